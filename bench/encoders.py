"""What each output encoder costs a synthesis worker, per chunk of speech.

    python -m bench.encoders [--runs 7] [--out bench/results/encoders.json]

For every format at 24000 and 22050 Hz, each run opens a fresh encoder and feeds it 16 s of a
speech-like signal in chunks of 0.5, 2 or 8 s, then finishes it. Reported, as medians over the
runs: opening, the first feed (it also opens the codec and writes the header), every later feed
(per chunk and per second of audio) and finish. The MP3 encoder this replaced (lameenc) is
measured alongside while it is still installed. One thread; no network, no model.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from bench import machine
from bench.stats import median
from warmtts.audio.encode import Encoder, make_encoder
from warmtts.audio.formats import FORMATS

RATES = (24000, 22050)
CHUNK_SECONDS = (0.5, 2.0, 8.0)
STREAM_SECONDS = 16.0
OUT = Path(__file__).resolve().parent / "results" / "encoders.json"


def speech_like(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """Syllables of a buzz at 90–220 Hz through three formants, hissing consonants and pauses,
    int16: codecs work on it as on speech, unlike on a pure tone or on silence."""
    rng = np.random.default_rng(seed)
    segment = int(0.2 * rate)
    parts = []
    for _ in range(int(seconds * rate) // segment + 1):
        t = np.arange(segment) / rate
        kind = rng.choice(["voiced", "hiss", "pause"], p=[0.65, 0.2, 0.15])
        if kind == "voiced":
            f0 = rng.uniform(90, 220) * (1 + 0.15 * t / t[-1] * rng.choice([-1, 1]))
            phase = 2 * np.pi * np.cumsum(f0) / rate
            formants = rng.uniform([300, 900, 2200], [800, 2000, 3200])
            wave = np.zeros(segment)
            for k in range(1, int(4000 / f0.max()) + 1):
                gain = sum(np.exp(-(((k * f0.mean()) - f) / 150) ** 2) for f in formants) + 0.05
                wave += gain / k**0.5 * np.sin(k * phase)
        elif kind == "hiss":
            wave = np.diff(rng.normal(0, 1, segment + 1)) * 0.4
        else:
            wave = rng.normal(0, 0.003, segment)
        parts.append(wave * np.hanning(segment))
    signal = np.concatenate(parts)[: int(seconds * rate)]
    return (signal / np.abs(signal).max() * 0.6 * 32767).astype(np.int16)


class LameencMp3:
    """The MP3 encoder warmtts used before PyAV took over: LAME through lameenc, 64 kbit/s, -q 2."""

    def __init__(self, sample_rate: int) -> None:
        import lameenc

        self._lame = lameenc.Encoder()
        self._lame.set_bit_rate(64)
        self._lame.set_in_sample_rate(sample_rate)
        self._lame.set_channels(1)
        self._lame.set_quality(2)
        self._started = False

    def feed(self, pcm: np.ndarray) -> bytes:
        if not len(pcm):
            return b""
        self._started = True
        return bytes(self._lame.encode(pcm.astype("<i2", copy=False).tobytes()))

    def finish(self) -> bytes:
        return bytes(self._lame.flush()) if self._started else b""


def encoders() -> list[tuple[str, str, Callable[[int], Encoder]]]:
    """(format, encoder, factory) for every format, and lameenc's MP3 if it can be imported."""
    names = {
        "wav": "raw + header", "pcm": "raw", "mp3": "libmp3lame (PyAV)", "aac": "FFmpeg aac (PyAV)",
        "flac": "FFmpeg flac (PyAV)", "opus": "libopus (PyAV) + our Ogg",
    }
    rows: list[tuple[str, str, Callable[[int], Encoder]]] = [
        (fmt, names[fmt], lambda rate, fmt=fmt: make_encoder(fmt, rate)) for fmt in FORMATS
    ]
    try:
        import lameenc  # noqa: F401
    except ImportError:
        print("lameenc is not installed: its row is skipped", file=sys.stderr)
    else:
        rows.append(("mp3", "lameenc (before)", LameencMp3))
    return rows


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def measure(factory: Callable[[int], Encoder], rate: int, chunk_seconds: float, runs: int) -> dict[str, Any]:
    signal = speech_like(STREAM_SECONDS, rate)
    size = int(chunk_seconds * rate)
    chunks = [signal[i : i + size] for i in range(0, len(signal), size)]
    opened, first, later, finished = [], [], [], []
    sent = 0
    for _ in range(runs):
        start = time.perf_counter()
        encoder = factory(rate)
        opened.append(_ms(start))
        sent = 0
        for n, chunk in enumerate(chunks):
            start = time.perf_counter()
            sent += len(encoder.feed(chunk))
            (first if n == 0 else later).append(_ms(start))
        start = time.perf_counter()
        sent += len(encoder.finish())
        finished.append(_ms(start))
    feed = median(later)
    return {
        "chunk_seconds": chunk_seconds,
        "chunks_per_run": len(chunks),
        "open_ms": median(opened),
        "first_feed_ms": median(first),
        "feed_ms": feed,
        "feed_ms_per_audio_second": feed / chunk_seconds if feed is not None else None,
        "finish_ms": median(finished),
        "kbit_per_second": round(sent * 8 / 1000 / STREAM_SECONDS, 1),
    }


def run(runs: int, command: str) -> dict[str, Any]:
    started = time.time()
    rows = []
    for fmt, name, factory in encoders():
        for rate in RATES:
            sizes = [measure(factory, rate, seconds, runs) for seconds in CHUNK_SECONDS]
            rows.append({"format": fmt, "encoder": name, "sample_rate": rate, "chunks": sizes})
            print(f"measured {fmt} {name} {rate} Hz", file=sys.stderr)
    versions = {p: _version(p) for p in ("av", "numpy", "lameenc")}
    return {
        "meta": {
            "command": command,
            "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            "duration_seconds": round(time.time() - started, 1),
            "machine": machine.describe() | {"versions": versions},
            "runs": runs,
            "stream_seconds": STREAM_SECONDS,
        },
        "rows": rows,
    }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def render(result: dict[str, Any]) -> str:
    """One Markdown row per encoder and rate: each chunk size's later feeds as
    'ms per chunk (ms per second of audio)', then the first 0.5 s feed, finish and bit rate."""
    head = " | ".join(f"feed {s:g} s" for s in CHUNK_SECONDS)
    lines = [
        f"| format | encoder | Hz | {head} | first feed 0.5 s | finish | kbit/s |",
        "|" + "---|" * (6 + len(CHUNK_SECONDS)),
    ]
    for row in result["rows"]:
        sizes = row["chunks"]
        cells = " | ".join(f"{c['feed_ms']:.2f} ({c['feed_ms_per_audio_second']:.2f})" for c in sizes)
        lines.append(
            f"| {row['format']} | {row['encoder']} | {row['sample_rate']} | {cells} | "
            f"{sizes[0]['first_feed_ms']:.2f} | {sizes[0]['finish_ms']:.2f} | {sizes[0]['kbit_per_second']:g} |"
        )
    return (
        "Milliseconds (median over runs); in brackets, milliseconds per second of audio.\n\n" + "\n".join(lines) + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="fresh encoders per format, rate and chunk size")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    result = run(args.runs, shlex.join(["python", "-m", "bench.encoders", *argv]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"Command: `{result['meta']['command']}`  \nMachine: {machine.one_line(result['meta']['machine'])}\n")
    print(render(result))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
