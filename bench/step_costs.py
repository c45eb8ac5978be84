"""Record what each step of a stream really costs, for the admission tests to replay.

    python -m bench.step_costs [--streams 2] [--out tests/server/data/zh_baker_steps.json]

The real engine, in process, speaks the burst's long Chinese text (bench/burst.py, zh-baker)
on `--streams` threads at once, as many as the server has workers, so every step runs beside
another as it does under load (model calls narrow, as the server keeps them when busy). For each
chunk it writes the worker seconds it took, its audio, its share of the input characters and
the audio of the run whose acoustic model it ran (0 for a later window). The short request of
the burst is recorded too. tests/server/test_admission_replay.py drives the real Capacity and
the scheduler's choice with these costs on a simulated clock. First of all, on fresh threads, it
records the voice's warm-up as the server takes it (warm_up_voice on every worker at once, the
median): the estimate a server starts from before any step of its own has been timed.

    python -m bench.step_costs --english [--out tests/server/data/en_joe_mix_steps.json]

records instead each sentence of the English load mix (bench/texts.py, en-joe), each spoken on
`--streams` threads at once, for the closed-loop replay of many clients
(tests/server/test_closed_loop_replay.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bench.burst import LONG_TEXT, SHORT_TEXT, VOICE

T = TypeVar("T")

DATA = Path(__file__).resolve().parent.parent / "tests" / "server" / "data"
OUT = DATA / "zh_baker_steps.json"
OUT_ENGLISH = DATA / "en_joe_mix_steps.json"


def record(engine: Any, text: str, voice: str = VOICE) -> list[dict[str, float]]:
    steps = []
    stream = engine.synthesize_stream(text, voice)
    chunks = iter(stream)
    while True:
        started = time.perf_counter()
        chunk = next(chunks, None)
        if chunk is None:
            return steps
        steps.append({
            "compute": round(time.perf_counter() - started, 5), "audio": round(chunk.seconds, 5),
            "chars": chunk.source_chars, "opens": round(chunk.opens, 5),
        })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--english", action="store_true", help="the English load mix instead of the burst's texts")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    from warmtts.config import Settings
    from warmtts.preload import Preloader

    engine = Preloader(Settings(), may_widen=lambda: False).run()
    warm_up = warm_up_at_once(engine, VOICE, args.streams) if not args.english else None
    if args.english:
        return record_english(engine, args.streams, args.out or OUT_ENGLISH)
    args.out = args.out or OUT
    record(engine, LONG_TEXT)  # warm every thread's first calls out of the figures
    longs: list[list[dict[str, float]]] = [[] for _ in range(args.streams)]

    def speak(index: int) -> None:
        longs[index] = record(engine, LONG_TEXT)

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(args.streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = {
        "command": "python -m bench.step_costs" + (f" --streams {args.streams}" if args.streams != os.cpu_count() else ""),
        "voice": VOICE, "streams_at_once": args.streams, "warm_up": warm_up,
        "long": {"chars": len(LONG_TEXT), "steps": longs},
        "short": {"chars": len(SHORT_TEXT), "steps": record(engine, SHORT_TEXT)},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=None, separators=(",", ":")) + "\n")
    for steps in longs:
        compute, audio = sum(s["compute"] for s in steps), sum(s["audio"] for s in steps)
        print(f"steps={len(steps)} compute_seconds={compute:.2f} audio_seconds={audio:.1f} rtf={compute / audio:.4f}")
    return 0


def warm_up_at_once(engine: Any, voice: str, streams: int) -> dict[str, float]:
    """The warm-up on `streams` fresh threads at once, as the server's warm_voice takes it
    (service.py): the median run's compute, its audio and characters."""
    from warmtts.preload import warm_up_voice

    runs = on_threads(lambda: warm_up_voice(engine, voice), streams)
    compute = statistics.median(run.compute_seconds for run in runs)
    return {"compute": round(compute, 5), "audio": round(runs[0].audio_seconds, 5), "chars": runs[0].chars}


def on_threads(fn: Callable[[], T], streams: int) -> list[T]:
    """`fn` on `streams` threads at once: each thread's result."""
    results: list[Any] = [None] * streams

    def call(index: int) -> None:
        results[index] = fn()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def at_once(engine: Any, text: str, voice: str, streams: int) -> list[list[dict[str, float]]]:
    """`text` spoken on `streams` threads at once: each thread's steps."""
    return on_threads(lambda: record(engine, text, voice), streams)


def record_english(engine: Any, streams: int, out: Path) -> int:
    from bench.texts import MIXES

    mix = MIXES["en"]
    record(engine, mix[0].text, mix[0].voice)  # warm every thread's first calls out of the figures
    sentences = [{"chars": len(case.text), "steps": at_once(engine, case.text, case.voice, streams)} for case in mix]
    result = {
        "command": "python -m bench.step_costs --english" + (f" --streams {streams}" if streams != os.cpu_count() else ""),
        "voice": mix[0].voice, "streams_at_once": streams, "sentences": sentences,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=None, separators=(",", ":")) + "\n")
    for sentence in sentences:
        steps = sentence["steps"][0]
        compute, audio = sum(s["compute"] for s in steps), sum(s["audio"] for s in steps)
        print(f"chars={sentence['chars']} steps={len(steps)} compute_seconds={compute:.3f} audio_seconds={audio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
