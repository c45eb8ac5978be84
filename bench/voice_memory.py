"""RSS of a process that has loaded every voice (the server's preload without the server), for
one or more source trees side by side: what the wide sessions cost in memory.

    python -m bench.voice_memory --rounds 3 --tree main=/work/main/src --tree this=src

Each round starts one child per tree in turn (alternating, so a busy moment of a shared machine
falls on all of them); the child sets glibc's heap as the server does (warmtts.memory), runs the preload (every voice loaded, its loudness calibrated
by a real synthesis, free memory handed back as the server does) with one ONNX thread per call
and `--wide-threads` for the wide sessions, then reports its RSS. A first, unreported round lets
each tree fill its model cache. Reported: the median RSS per tree and its spread.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.stats import median

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, logging, psutil
from warmtts.config import Settings
from warmtts.memory import reuse_freed_memory
from warmtts.preload import Preloader
logging.disable(logging.WARNING)
reuse_freed_memory()  # glibc set as the server sets it, before the models allocate
Preloader(Settings()).run()
print(json.dumps({"rss_mb": psutil.Process().memory_info().rss / 2**20}))
"""


def measure(tree: Path, wide_threads: int) -> float:
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(tree.resolve()), str(ROOT)]),
        "WARMTTS_ONNX_THREADS": "1",
        "WARMTTS_WIDE_THREADS": str(wide_threads),
    }
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=600, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["rss_mb"])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.voice_memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH", help="a src folder (default: this tree's)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wide-threads", type=int, default=2)
    args = parser.parse_args()
    trees = [(label, Path(path)) for label, _, path in (t.partition("=") for t in args.tree or [f"this={ROOT / 'src'}"])]
    for _, tree in trees:
        measure(tree, args.wide_threads)  # fills the model cache
    rss: dict[str, list[float]] = {label: [] for label, _ in trees}
    for _ in range(args.rounds):
        for label, tree in trees:
            rss[label].append(measure(tree, args.wide_threads))
    for label, values in rss.items():
        print(f"{label}: RSS after preload median {median(values):.0f} MB (runs {', '.join(f'{v:.0f}' for v in values)})")


if __name__ == "__main__":
    main()
