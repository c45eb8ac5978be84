"""The voice's first audio and its CPU per audio second, in process, for this tree and another
side by side: what a change to the window plan or the model split costs, without the server.

    python -m bench.first_audio [--against OTHER/src] [--rounds 3] [--repeats 5] [--core 0]
                                [--plan first:max:growth ...]

For each of the bench's texts (bench/texts.py), one process per tree (`PYTHONPATH`) times the
engine's first chunk (`synthesize_stream`, text stages included) and the CPU seconds
(`time.process_time`) of the whole answer per second of its audio, after one warm answer; each
figure is the median of `--repeats`. The trees alternate `--rounds` times, pinned to `--core`
(one core, so one ONNX thread: both trees run as on a one-core machine); the table gives the
median of the rounds. `--plan` adds runs of this tree with other window plans (seconds of the
first window, seconds of the largest, growth), applied to its voices after loading.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.texts import (
    EN_LONG,
    EN_LONG_CLAUSE,
    EN_PARAGRAPH,
    EN_SENTENCE,
    EN_SHORT,
    ZH_SENTENCE,
)

TEXTS = {
    "en-short": EN_SHORT,
    "en-sentence": EN_SENTENCE,
    "en-long-clause": EN_LONG_CLAUSE,
    "en-long": EN_LONG,
    "en-paragraph": EN_PARAGRAPH,
    "zh-sentence": ZH_SENTENCE,
}
_MEASURE = """
import dataclasses, json, logging, statistics, sys, time
logging.disable(logging.WARNING)
from warmtts.config import Settings
from warmtts.preload import build_engine
engine = build_engine(Settings(onnx_threads=1, wide_threads=0, workers=1))
texts, repeats, plan = json.loads(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
if plan:
    from warmtts.voices.windows import WindowSizes
    for voice_id in ("en-joe", "zh-baker"):
        voice = engine.voices.get(voice_id)
        old = voice.windows
        rate, hop = voice.info.sample_rate, voice.hop
        new = WindowSizes(plan[0], plan[1], int(plan[2])).plan(rate, hop, old.context, old.min_frames,
                                                               getattr(old, "flow_context", 0))
        voice.windows = new
result = {}
for name, text in texts.items():
    first, cpu = [], []
    for attempt in range(repeats + 1):
        started, used = time.perf_counter(), time.process_time()
        stream = iter(engine.synthesize_stream(text))
        audio = next(stream).seconds
        ready = time.perf_counter() - started
        audio += sum(chunk.seconds for chunk in stream)
        if attempt:  # the first answer warms
            first.append(ready)
            cpu.append((time.process_time() - used) / audio)
    result[name] = {"first": statistics.median(first), "cpu": statistics.median(cpu)}
print(json.dumps(result))
"""


def measure(src: Path, repeats: int, core: int | None, plan: list[float] | None) -> dict[str, dict[str, float]]:
    env = os.environ | {"PYTHONPATH": str(src.resolve())}
    command = [sys.executable, "-c", _MEASURE, json.dumps(TEXTS), str(repeats), json.dumps(plan)]
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", type=Path, help="another tree's src/ folder (e.g. main's)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--core", type=int, default=0, help="pin to this core; -1: no pinning")
    parser.add_argument("--plan", action="append", default=[], help="first:max:growth, e.g. 0.25:6:4")
    args = parser.parse_args(argv)
    this = Path(__file__).resolve().parent.parent / "src"
    runs: dict[str, tuple[Path, list[float] | None]] = {"this": (this, None)}
    if args.against is not None:
        runs["other"] = (args.against, None)
    for plan in args.plan:
        runs[f"this {plan}"] = (this, [float(x) for x in plan.split(":")])
    results: dict[str, list[dict[str, dict[str, float]]]] = {label: [] for label in runs}
    core = None if args.core < 0 else args.core
    for _ in range(args.rounds):
        for label, (src, plan) in runs.items():
            results[label].append(measure(src, args.repeats, core, plan))
    print(f"median of {args.rounds} rounds, each the median of {args.repeats}; pinned to core {core}")
    print("| text | " + " | ".join(f"{label}: first audio ms / CPU-s per audio-s" for label in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for name in TEXTS:
        cells = []
        for label in runs:
            first = statistics.median(r[name]["first"] for r in results[label]) * 1000
            cpu = statistics.median(r[name]["cpu"] for r in results[label])
            cells.append(f"{first:.0f} / {cpu:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
