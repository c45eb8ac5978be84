"""An LLM's answer, spoken while it is still being written: the token stream of an `openai`
chat completion goes into warmtts's realtime WebSocket, and the audio plays as it comes.

    pip install openai websockets
    OPENAI_API_KEY=... python examples/realtime_openai_chat.py "Tell me about the Great Wall."

Any OpenAI-compatible server works (OPENAI_BASE_URL, --model). The audio goes to the first of
paplay, aplay or ffplay found, else (or with --out) to a WAV file. Press Ctrl-C to interrupt:
the script sends input_text.clear (barge-in) and stops. WARMTTS_API_KEY, if set, is sent as
`Authorization: Bearer`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import subprocess
import wave

import websockets
from openai import AsyncOpenAI

PLAYERS = {
    "paplay": lambda rate: ["--raw", "--format=s16le", "--channels=1", f"--rate={rate}"],
    "aplay": lambda rate: ["-q", "-t", "raw", "-f", "S16_LE", "-c", "1", "-r", str(rate), "-"],
    "ffplay": lambda rate: ["-nodisp", "-autoexit", "-loglevel", "error", "-f", "s16le", "-ar", str(rate), "-i", "-"],
}


class Sink:
    """A player on this machine, or a WAV file."""

    def __init__(self, rate: int, out: str | None) -> None:
        self.rate, self.out, self.pcm = rate, out, bytearray()
        name = None if out else next((n for n in PLAYERS if shutil.which(n)), None)
        self.player = subprocess.Popen([name, *PLAYERS[name](rate)], stdin=subprocess.PIPE) if name else None
        if self.player is None and self.out is None:
            self.out = "answer.wav"

    def write(self, data: bytes) -> None:
        if self.player is not None and self.player.stdin is not None:
            self.player.stdin.write(data)
            self.player.stdin.flush()
        else:
            self.pcm += data

    def close(self) -> None:
        if self.player is not None and self.player.stdin is not None:
            self.player.stdin.close()
            self.player.wait()
        if self.out:
            with wave.open(self.out, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(self.rate)
                wav.writeframes(bytes(self.pcm))
            print(f"\nwrote {self.out}")


async def feed(ws: websockets.ClientConnection, prompt: str, model: str) -> None:
    """The chat completion's tokens, each appended as it arrives, then input_text.end."""
    client = AsyncOpenAI()
    stream = await client.chat.completions.create(
        model=model, stream=True, messages=[{"role": "user", "content": prompt}]
    )
    async for chunk in stream:
        token = chunk.choices[0].delta.content if chunk.choices else None
        if token:
            print(token, end="", flush=True)
            await ws.send(json.dumps({"type": "input_text.append", "text": token}))
    await ws.send(json.dumps({"type": "input_text.end"}))


async def play(ws: websockets.ClientConnection, sink: Sink) -> None:
    async for message in ws:
        event = json.loads(message)
        if event["type"] == "speech.audio.delta":
            sink.write(base64.b64decode(event["delta"]))
        elif event["type"] == "error":
            print(f"\n[warmtts error: {event['error']['message']}]")


async def main(prompt: str, model: str, url: str, voice: str, out: str | None) -> None:
    key = os.environ.get("WARMTTS_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
        await ws.recv()  # session.created
        await ws.send(json.dumps({"type": "session.update", "session": {"voice": voice}}))
        rate = json.loads(await ws.recv())["session"]["sample_rate"]
        sink = Sink(rate, out)
        try:
            await asyncio.gather(feed(ws, prompt, model), play(ws, sink))
        except (KeyboardInterrupt, asyncio.CancelledError):
            await ws.send(json.dumps({"type": "input_text.clear"}))  # barge-in: the server stops at once
        finally:
            sink.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prompt")
    parser.add_argument("--model", default=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"))
    parser.add_argument("--url", default="ws://127.0.0.1:8080/v1/audio/speech/realtime")
    parser.add_argument("--voice", default="auto")
    parser.add_argument("--out", help="write a WAV file instead of playing")
    args = parser.parse_args()
    try:
        asyncio.run(main(args.prompt, args.model, args.url, args.voice, args.out))
    except KeyboardInterrupt:
        pass
