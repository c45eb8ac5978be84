"""Stream text into warmtts's realtime WebSocket as an LLM would, and keep the audio.

    pip install websockets
    python examples/realtime_ws.py "Hello there. 你好，世界。" --out hello.wav

The text is sent in three-character pieces (words cut anywhere); each sentence is heard as soon
as it is complete. Prints when each word is heard; writes 16-bit mono WAV. WARMTTS_API_KEY, if
set, is sent as `Authorization: Bearer`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import time
import wave

import websockets

DEFAULT_TEXT = "Hello there, my friend. The weather is lovely today. 今天天气很好，我们去公园散步吧。"


async def speak(url: str, text: str, voice: str, out: str) -> None:
    key = os.environ.get("WARMTTS_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    pcm = bytearray()
    async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
        session = json.loads(await ws.recv())["session"]
        await ws.send(json.dumps({"type": "session.update", "session": {"voice": voice}}))
        rate = json.loads(await ws.recv())["session"]["sample_rate"]
        started = time.monotonic()
        for i in range(0, len(text), 3):  # as an LLM's tokens arrive
            await ws.send(json.dumps({"type": "input_text.append", "text": text[i : i + 3]}))
        await ws.send(json.dumps({"type": "input_text.end"}))  # flush; the server closes after the audio
        async for message in ws:
            event = json.loads(message)
            if event["type"] == "speech.audio.delta":
                if not pcm:
                    print(f"first audio after {time.monotonic() - started:.3f} s ({session['voice']} → {voice})")
                pcm += base64.b64decode(event["delta"])
            elif event["type"] == "speech.audio.timestamps":
                for mark in event["marks"]:
                    print(f"{mark['start']:7.3f} s  {mark['text']}")
            elif event["type"] == "speech.audio.done":
                print(f"done: {event['usage']}")
            elif event["type"] == "error":
                print(f"error: {event['error']}")
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(pcm))
    print(f"wrote {out}: {len(pcm) / 2 / rate:.2f} s at {rate} Hz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default=DEFAULT_TEXT)
    parser.add_argument("--url", default="ws://127.0.0.1:8080/v1/audio/speech/realtime")
    parser.add_argument("--voice", default="auto")
    parser.add_argument("--out", default="realtime.wav")
    args = parser.parse_args()
    asyncio.run(speak(args.url, args.text, args.voice, args.out))


if __name__ == "__main__":
    main()
