"""Record what each step of a stream really costs, for the admission tests to replay.

    python -m bench.step_costs [--streams 2] [--out tests/server/data/zh_baker_steps.json]

The real engine, in process, speaks the burst's long Chinese text (bench/burst.py, zh-baker)
on `--streams` threads at once, as many as the server has workers, so every step runs beside
another as it does under load (model calls narrow, as the server keeps them when busy). For each
chunk it writes the worker seconds it took, its audio, its share of the input characters and
the audio of the run whose acoustic model it ran (0 for a later window). The short request of
the burst is recorded too. tests/server/test_admission_replay.py drives the real Capacity and
the scheduler's choice with these costs on a simulated clock.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from bench.burst import LONG_TEXT, SHORT_TEXT, VOICE

OUT = Path(__file__).resolve().parent.parent / "tests" / "server" / "data" / "zh_baker_steps.json"


def record(engine: Any, text: str) -> list[dict[str, float]]:
    steps = []
    stream = engine.synthesize_stream(text, VOICE)
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
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    from warmtts.config import Settings
    from warmtts.preload import Preloader

    engine = Preloader(Settings(), may_widen=lambda: False).run()
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
        "voice": VOICE, "streams_at_once": args.streams,
        "long": {"chars": len(LONG_TEXT), "steps": longs},
        "short": {"chars": len(SHORT_TEXT), "steps": record(engine, SHORT_TEXT)},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=None, separators=(",", ":")) + "\n")
    for steps in longs:
        compute, audio = sum(s["compute"] for s in steps), sum(s["audio"] for s in steps)
        print(f"steps={len(steps)} compute_seconds={compute:.2f} audio_seconds={audio:.1f} rtf={compute / audio:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
