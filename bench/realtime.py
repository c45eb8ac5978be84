"""The realtime WebSocket against a real server: first audio, dry runs, clear, concurrency.

    python -m bench.realtime [--reps 3] [--asr] [--out bench/results/realtime.json]

- first audio: an LLM-rate feeder (20, 40, 60 tokens/s) streams bench.texts' paragraphs (en,
  zh) into a session; first audio counts from the moment the token holding the first sentence's
  last character is sent, and is set beside the warm HTTP time to first audio of that sentence
  alone, measured right after it (same server, same run);
- dry runs: a listener that starts playing 0.3 s after the first audio arrives, at real time;
  every delta that arrives after the listener has played everything before it is a dry run;
- words: the streamed audio's length against the whole text over HTTP (and with --asr, the
  Whisper transcripts of both, word/character errors against the text);
- clear: mid-paragraph, input_text.clear; the last old delta and the cleared event, counted
  from when the clear was sent, then a new generation on the same socket;
- concurrency: 4 and 8 sessions at once (en and zh in turn, 40 tokens/s) beside 2 HTTP clients
  asking for sentences back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from websockets.asyncio.client import ClientConnection, connect

from bench.serving.process import ServerProcess
from bench.serving.servers import Warmtts
from bench.texts import EN_PARAGRAPH, EN_SENTENCE, ZH_PARAGRAPH, ZH_SENTENCE
from warmtts.text.segment import split_sentences

PATH = "/v1/audio/speech/realtime"
RATE = 24000
BUFFER_SECONDS = 0.3
TEXTS = {"en": ("en-joe", EN_PARAGRAPH), "zh": ("zh-baker", ZH_PARAGRAPH)}


def llm_tokens(text: str, language: str) -> list[str]:
    """Pieces the size of an LLM's tokens: English words with their leading space, long words in
    two; Chinese one or two characters in turn (about 1.5 characters a token)."""
    if language == "zh":
        pieces, i, size = [], 0, 1
        while i < len(text):
            pieces.append(text[i : i + size])
            i, size = i + size, 3 - size
        return pieces
    pieces = []
    for word in re.findall(r"\s*\S+", text):
        if len(word.strip()) > 6:
            half = len(word) // 2 + 1
            pieces += [word[:half], word[half:]]
        else:
            pieces.append(word)
    return pieces


def first_sentence_end(text: str) -> int:
    first = next(split_sentences(text))
    return text.index(first) + len(first)


@dataclass
class Session:
    """What one session saw, in time.perf_counter() seconds."""

    started_at: float = 0.0  # the first token was sent
    sentence_done_at: float = 0.0  # the token with the first sentence's last character was sent
    text_done_at: float = 0.0
    deltas: list[tuple[float, float]] = field(default_factory=list)  # (arrival, audio seconds)
    pcm: bytearray = field(default_factory=bytearray)
    errors: list[str] = field(default_factory=list)
    done: dict[str, Any] | None = None
    heard: list[str] = field(default_factory=list)  # the marks' text, in order

    @property
    def first_audio(self) -> float | None:
        return self.deltas[0][0] - self.sentence_done_at if self.deltas else None

    @property
    def first_audio_from_start(self) -> float | None:
        return self.deltas[0][0] - self.started_at if self.deltas else None

    def dry_runs(self, buffer: float = BUFFER_SECONDS) -> tuple[int, float]:
        """(times the listener ran dry, longest wait): playing starts `buffer` after the first
        delta arrives and goes on at real time; a late delta resumes it when it arrives."""
        if not self.deltas:
            return 0, 0.0
        clock = self.deltas[0][0] + buffer + self.deltas[0][1]
        count, worst = 0, 0.0
        for arrived, seconds in self.deltas[1:]:
            if arrived > clock:
                count, worst = count + 1, max(worst, arrived - clock)
                clock = arrived
            clock += seconds
        return count, worst


async def _json(ws: ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), 120))  # type: ignore[no-any-return]


async def stream_session(url: str, text: str, language: str, voice: str, tokens_per_second: float) -> Session:
    result = Session()
    sentence_end = first_sentence_end(text)
    async with connect(url, max_size=None) as ws:
        await _json(ws)
        await ws.send(json.dumps({"type": "session.update", "session": {"voice": voice}}))
        await _json(ws)

        async def feed() -> None:
            start, sent = time.perf_counter(), 0
            result.started_at = start
            for i, token in enumerate(llm_tokens(text, language)):
                await asyncio.sleep(max(0.0, start + i / tokens_per_second - time.perf_counter()))
                await ws.send(json.dumps({"type": "input_text.append", "text": token}))
                sent += len(token)
                if not result.sentence_done_at and sent >= sentence_end:
                    result.sentence_done_at = time.perf_counter()
            await ws.send(json.dumps({"type": "input_text.end"}))
            result.text_done_at = time.perf_counter()

        feeder = asyncio.create_task(feed())
        async for message in ws:
            event = json.loads(message)
            if event["type"] == "speech.audio.delta":
                data = base64.b64decode(event["delta"])
                result.deltas.append((time.perf_counter(), len(data) / 2 / RATE))
                result.pcm += data
            elif event["type"] == "speech.audio.timestamps":
                result.heard += [mark["text"] for mark in event["marks"]]
            elif event["type"] == "error":
                result.errors.append(event["error"]["code"])
            elif event["type"] == "speech.audio.done":
                result.done = event
        await feeder
    return result


async def http_ttfa(client: httpx.AsyncClient, base: str, text: str, voice: str) -> tuple[float | None, bytes, int]:
    """(time to the first body bytes, the body, status) of a pcm request."""
    started = time.perf_counter()
    first, body = None, bytearray()
    async with client.stream("POST", base + "/v1/audio/speech",
                             json={"input": text, "voice": voice, "response_format": "pcm"}) as response:
        async for chunk in response.aiter_bytes():
            if chunk and first is None:
                first = time.perf_counter() - started
            body += chunk
    return first, bytes(body), response.status_code


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


async def first_audio_runs(base: str, url: str, reps: int, rates: list[int]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=120) as client:
        for language, (voice, text) in TEXTS.items():
            sentence = text[: first_sentence_end(text)]
            for _ in range(2):  # warm both paths for this voice
                await http_ttfa(client, base, sentence, voice)
            for rate in rates:
                pairs, dry, worst, audio, errors, from_start = [], [], [], [], [], []
                for _ in range(reps):
                    session = await stream_session(url, text, language, voice, rate)
                    ttfa, _, _ = await http_ttfa(client, base, sentence, voice)
                    if session.first_audio is not None and ttfa is not None:
                        pairs.append((session.first_audio, ttfa))
                        from_start.append(session.first_audio_from_start)
                    count, longest = session.dry_runs()
                    dry.append(count)
                    worst.append(longest)
                    audio.append(len(session.pcm) / 2 / RATE)
                    errors += session.errors
                rows[f"{language}@{rate}"] = {
                    "first_audio_seconds": _median([p[0] for p in pairs]),
                    "http_ttfa_seconds": _median([p[1] for p in pairs]),
                    "ratio": _median([p[0] / p[1] for p in pairs]),
                    "ratios": [round(p[0] / p[1], 3) for p in pairs],
                    "first_audio_from_first_token_seconds": _median(from_start),
                    "first_sentence_chars": len(sentence),
                    "dry_runs": dry,
                    "longest_dry_seconds": round(max(worst), 3),
                    "audio_seconds": _median(audio),
                    "errors": errors,
                }
                print(f"first-audio {language}@{rate}: {rows[f'{language}@{rate}']}", flush=True)
    return rows


async def words_check(base: str, url: str, asr: bool) -> dict[str, Any]:
    """The paragraph streamed at 40 tokens/s against the same text in one HTTP request."""
    result: dict[str, Any] = {}
    transcriber = None
    if asr:
        from bench.asr import Transcriber, error_rate

        transcriber = Transcriber()
    async with httpx.AsyncClient(timeout=300) as client:
        for language, (voice, text) in TEXTS.items():
            session = await stream_session(url, text, language, voice, 40)
            _, whole, _ = await http_ttfa(client, base, text, voice)
            row: dict[str, Any] = {
                "streamed_seconds": round(len(session.pcm) / 2 / RATE, 3),
                "http_seconds": round(len(whole) / 2 / RATE, 3),
            }
            row["ratio"] = round(row["streamed_seconds"] / row["http_seconds"], 4)
            written = re.findall(r"[A-Za-z']+|[\u4e00-\u9fff]", text)
            heard = [w for w in session.heard if re.fullmatch(r"[A-Za-z']+|[\u4e00-\u9fff]", w)]
            row["marks_match_text"] = heard == written  # every word heard once, in order
            if transcriber is not None:
                for name, pcm in (("streamed", bytes(session.pcm)), ("http", whole)):
                    heard = transcriber.transcribe(np.frombuffer(pcm, dtype=np.int16), RATE, language)
                    errors, total = error_rate(text, heard, language)
                    row[f"{name}_error_rate"] = round(errors / total, 4)
                    row[f"{name}_transcript"] = heard
            result[language] = row
            print(f"words {language}: { {k: v for k, v in row.items() if 'transcript' not in k} }", flush=True)
    return result


async def clear_runs(url: str, reps: int) -> dict[str, Any]:
    late, cleared, next_ok = [], [], []
    for i in range(reps):
        language = "en" if i % 2 == 0 else "zh"
        voice, text = TEXTS[language]
        async with connect(url, max_size=None) as ws:
            await _json(ws)
            await ws.send(json.dumps({"type": "session.update", "session": {"voice": voice}}))
            await _json(ws)
            for token in llm_tokens(text, language):
                await ws.send(json.dumps({"type": "input_text.append", "text": token}))
            await ws.send(json.dumps({"type": "input_text.flush"}))
            while (await _json(ws))["type"] != "speech.audio.delta":
                pass
            await asyncio.sleep(0.5)  # mid-answer, as a user would interrupt
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "input_text.clear"}))
            last_old = 0.0
            while (event := await _json(ws))["type"] != "input_text.cleared":
                if event["type"] == "speech.audio.delta":
                    last_old = time.perf_counter() - sent
            cleared.append(time.perf_counter() - sent)
            late.append(last_old)
            await ws.send(json.dumps({"type": "input_text.append", "text": "Next question. "}))
            await ws.send(json.dumps({"type": "input_text.flush"}))
            events = []
            while (event := await _json(ws))["type"] != "speech.audio.done":
                events.append(event)
            next_ok.append(event["usage"]["audio_seconds"] > 0.3 and all(e["type"] != "error" for e in events))
    result = {
        "last_old_delta_after_clear_seconds": [round(x, 3) for x in late],
        "cleared_after_seconds": [round(x, 3) for x in cleared],
        "max_last_old_delta_seconds": round(max(late), 3),
        "next_generation_ok": next_ok,
    }
    print(f"clear: {result}", flush=True)
    return result


async def concurrent_run(base: str, url: str, sessions: int, stagger: float, http_clients: int = 2) -> dict[str, Any]:
    """`sessions` sessions started `stagger` seconds apart, en and zh in turn at 40 tokens/s, beside
    `http_clients` clients asking for sentences back to back until the sessions end."""
    stop = asyncio.Event()
    ttfas: list[float] = []
    refused = 0

    async def http_client(index: int) -> None:
        nonlocal refused
        sentence, voice = (EN_SENTENCE, "en-joe") if index % 2 == 0 else (ZH_SENTENCE, "zh-baker")
        async with httpx.AsyncClient(timeout=120) as client:
            while not stop.is_set():
                ttfa, _, status = await http_ttfa(client, base, sentence, voice)
                if status == 200 and ttfa is not None:
                    ttfas.append(ttfa)
                else:
                    refused += 1
                    await asyncio.sleep(1)

    clients = [asyncio.create_task(http_client(i)) for i in range(http_clients)]
    order = ["en", "zh"]

    async def session(index: int) -> Session:
        await asyncio.sleep(index * stagger)  # answers start one after another, not in one instant
        language = order[index % 2]
        return await stream_session(url, TEXTS[language][1], language, TEXTS[language][0], 40)

    results = await asyncio.gather(*(session(i) for i in range(sessions)))
    stop.set()
    await asyncio.gather(*clients)
    firsts = [r.first_audio for r in results if r.first_audio is not None]
    dry = [r.dry_runs() for r in results]
    row = {
        "sessions": sessions,
        "first_audio_median_seconds": _median(firsts),
        "first_audio_max_seconds": round(max(firsts), 3) if firsts else None,
        "sessions_with_dry_runs": sum(1 for count, _ in dry if count),
        "dry_runs": [count for count, _ in dry],
        "longest_dry_seconds": round(max(w for _, w in dry), 3),
        "session_errors": [e for r in results for e in r.errors],
        "sessions_without_audio": sum(1 for r in results if not r.deltas),
        "stagger_seconds": stagger,
        "http_requests": len(ttfas),
        "http_ttfa_median_seconds": _median(ttfas),
        "http_ttfa_max_seconds": round(max(ttfas), 3) if ttfas else None,
        "http_refused": refused,
    }
    print(f"concurrent {sessions}: {row}", flush=True)
    return row


async def run(base: str, args: argparse.Namespace) -> dict[str, Any]:
    url = base.replace("http://", "ws://") + PATH
    parts, result = args.parts.split(","), {}
    if "first" in parts:
        result["first_audio"] = await first_audio_runs(base, url, args.reps, [int(r) for r in args.rates.split(",")])
    if "clear" in parts:
        result["clear"] = await clear_runs(url, max(args.reps, 4))
    if "concurrency" in parts:
        counts = [int(n) for n in args.concurrency.split(",") if n]
        result["concurrency"] = [await concurrent_run(base, url, n, args.stagger) for n in counts]
    if "words" in parts:
        result["words"] = await words_check(base, url, args.asr)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--rates", default="20,40,60", help="tokens per second")
    parser.add_argument("--concurrency", default="4,8")
    parser.add_argument("--asr", action="store_true", help="also transcribe with Whisper (bench extras)")
    parser.add_argument("--url", help="an already running server instead of a fresh one")
    parser.add_argument("--clause-chars", type=int, help="WARMTTS_REALTIME_CLAUSE_CHARS of the fresh server")
    parser.add_argument("--out", type=Path, default=Path("bench/results/realtime.json"))
    parser.add_argument("--stagger", type=float, default=0.5, help="seconds between the concurrent sessions' starts")
    parser.add_argument("--parts", default="first,clear,concurrency,words")
    args = parser.parse_args(argv)
    if args.url:
        result = asyncio.run(run(args.url, args))
    else:
        env = {"WARMTTS_REALTIME_CLAUSE_CHARS": str(args.clause_chars)} if args.clause_chars else {}
        with ServerProcess(Warmtts(), env) as server:
            server.wait_ready()
            result = asyncio.run(run(server.base_url, args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result["settings"] = {k: v for k, v in vars(args).items() if k != "out"}
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
