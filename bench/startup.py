"""Launch → ready and RSS after ready of several warmtts source trees and Piper's server, interleaved.

On a shared machine only figures taken side by side compare: each round launches every tree once
(its `src` first on PYTHONPATH) and Piper's server once, as `python -m bench` launches them (ready
= the first 200 on the readiness path; RSS of the process and its children at that moment; CPU
seconds the process spent until then). Prints each launch, the medians and the ratios to Piper's.

    python -m bench.startup --rounds 6 --tree main=/path/to/main --tree new=. --piper
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import psutil

from bench.serving.process import ServerProcess
from bench.serving.servers import Server, Warmtts, default_piper

MB = 1024 * 1024


def launch(server: Server, env: dict[str, str]) -> dict[str, float]:
    with ServerProcess(server, env=env) as process:
        seconds, answer = process.wait_ready()
        rss = process.rss_bytes() / MB
        times = psutil.Process(process.pid).cpu_times()
    result = {"ready": seconds, "rss": rss, "cpu": times.user + times.system}
    steps = ((answer or {}).get("preload") or {}).get("steps") or {}
    return result | {f"step:{name}": value for name, value in steps.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tree", action="append", default=[], help="NAME=PATH of a warmtts checkout (repeatable)")
    parser.add_argument("--piper", action="store_true", help="launch Piper's server in each round too")
    parser.add_argument("--out", type=Path, help="write every launch's figures here as JSON")
    args = parser.parse_args(argv)
    trees = dict(tree.split("=", 1) for tree in args.tree)
    servers: dict[str, tuple[Server, dict[str, str]]] = {
        name: (Warmtts(), {"PYTHONPATH": f"{Path(path).resolve() / 'src'}{os.pathsep}{os.getcwd()}"})
        for name, path in trees.items()
    }
    if args.piper:
        servers["piper"] = (default_piper(), {})
    runs: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in servers}
    for round_ in range(args.rounds):
        for name, (server, env) in servers.items():
            figures = launch(server, env)
            for key, value in figures.items():
                runs[name][key].append(value)
            print(f"round={round_} {name} ready={figures['ready']:.2f} rss={figures['rss']:.0f} cpu={figures['cpu']:.2f}",
                  flush=True)
    for name, figures in runs.items():
        print(name, " ".join(f"{key}={statistics.median(values):.3f}" for key, values in figures.items()))
    if "piper" in runs:
        piper = runs["piper"]["ready"]
        for name in trees:
            per_round = [a / b for a, b in zip(runs[name]["ready"], piper)]
            print(f"{name} / piper launch → ready: median of per-round ratios {statistics.median(per_round):.2f}, "
                  f"per round {' '.join(f'{r:.2f}' for r in per_round)}")
    if args.out:
        args.out.write_text(json.dumps({name: dict(f) for name, f in runs.items()}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
