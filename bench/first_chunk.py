"""The engine's first chunk, in process, for this tree and another side by side: what a change
to the text or voice stages costs the first audio, without the server's noise.

    python -m bench.first_chunk [--against OTHER/src] [--rounds 2] [--repeats 15]

Each tree runs in its own process (`PYTHONPATH`), the two alternating `--rounds` times; each
figure is the median of `--repeats` first chunks after three warm ones. No widening: a lone
engine's sessions are narrow.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

TEXTS = {
    "en-short": "Hello there, how are you today?",
    "en-long": "The quarterly report, which was published on the twenty fourth of November, shows that revenue "
    "grew by twelve percent while costs fell sharply across every region we serve.",
    "zh": "在一个阳光明媚的早晨，小明背着书包走进了学校的大门，他看到同学们正在操场上做早操。",
}
_MEASURE = """
import json, logging, statistics, sys, time
logging.disable(logging.WARNING)
from warmtts.config import Settings
from warmtts.preload import build_engine
engine = build_engine(Settings())
texts, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
result = {}
for name, text in texts.items():
    for _ in range(3):
        next(iter(engine.synthesize_stream(text)))
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        stream = engine.synthesize_stream(text)
        next(iter(stream))
        seconds.append(time.perf_counter() - start)
        stream.close()
    result[name] = statistics.median(seconds)
print(json.dumps(result))
"""


def measure(src: Path, repeats: int) -> dict[str, float]:
    env = os.environ | {"PYTHONPATH": str(src.resolve())}
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps(TEXTS), str(repeats)], env=env, check=True, capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", type=Path, help="another tree's src/ folder (e.g. an older commit's)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    trees = {"this": Path(__file__).resolve().parent.parent / "src"}
    if args.against is not None:
        trees["other"] = args.against
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    for _ in range(args.rounds):
        for label, src in trees.items():
            runs[label].append(measure(src, args.repeats))
    print("| text | " + " | ".join(f"{label} (ms, per round)" for label in trees) + " |")
    print("|---|" + "---|" * len(trees))
    for name in TEXTS:
        cells = [" / ".join(f"{r[name] * 1000:.1f}" for r in runs[label]) for label in trees]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
