"""`python -m bench` / `warmtts bench`: warmtts against Piper's HTTP server, over loopback.

Starts every server as a separate process on a free 127.0.0.1 port, measures start-up, time to
first audio, real-time factor, concurrency and memory, and writes benchmark.json, benchmark.md
and benchmark.png to the results folder. Every loop is bounded by the counts below.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import docs, machine
from bench.measure import Plan, measure_server
from bench.plot import plot
from bench.report import render
from bench.serving.process import ServerFailed
from bench.serving.servers import Warmtts, default_piper
from bench.targets import evaluate, ratios
from bench.texts import CASES

log = logging.getLogger("bench")
RESULTS = Path(__file__).resolve().parent / "results"
QUICK = Plan(launches=1, warm_requests=3, concurrency=(1, 4, 8), requests_per_client=2)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--launches", type=int, help=f"fresh launches per text (default {Plan.launches})")
    parser.add_argument("--warm-requests", type=int, help=f"warm requests per text (default {Plan.warm_requests})")
    parser.add_argument("--concurrency", help="comma-separated client counts (default 1,2,4,8,16)")
    parser.add_argument(
        "--requests-per-client",
        type=int,
        help=f"requests each concurrent client sends (default {Plan.requests_per_client})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 launch, 3 warm requests, 1,4,8 clients × 2 requests"
    )
    parser.add_argument("--skip-piper", action="store_true", help="measure warmtts only (Piper targets show N/A)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"results folder (default {RESULTS})")
    parser.add_argument("--update-docs", action="store_true", help="rewrite the results section of docs/benchmarks.md")
    return parser


def plan_from(args: argparse.Namespace) -> Plan:
    base = QUICK if args.quick else Plan()
    levels = tuple(int(c) for c in args.concurrency.split(",")) if args.concurrency else base.concurrency
    if not levels or min(levels) < 1:
        raise SystemExit("--concurrency needs positive client counts, e.g. 1,2,4")
    return Plan(
        launches=args.launches or base.launches,
        warm_requests=args.warm_requests or base.warm_requests,
        concurrency=levels,
        requests_per_client=args.requests_per_client or base.requests_per_client,
        encoded_concurrency=base.encoded_concurrency,
    )


def run(plan: Plan, skip_piper: bool, command: str) -> dict[str, Any]:
    started = time.time()
    servers = [Warmtts()] + ([] if skip_piper else [default_piper()])
    result: dict[str, Any] = {
        "meta": {
            "command": command,
            "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            "machine": machine.describe(),
            "plan": asdict(plan),
            "texts": {case.id: case.text for case in CASES},
            "formats": {case.id: case.format for case in CASES},
        },
        "servers": {},
    }
    for server in servers:
        log.info("measure server=%s", server.name)
        result["servers"][server.name] = measure_server(server, plan)
    result["meta"]["duration_seconds"] = round(time.time() - started, 1)
    result["ratios"] = ratios(result)
    result["targets"] = [target.to_dict() for target in evaluate(result)]
    return result


def write(result: dict[str, Any], out: Path) -> tuple[Path, Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = out / "benchmark.json", out / "benchmark.md", out / "benchmark.png"
    paths[0].write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    header = f"Command: `{result['meta']['command']}`  \nMachine: {machine.one_line(result['meta']['machine'])}\n\n"
    paths[1].write_text(header + render(result), encoding="utf-8")
    plot(result, paths[2])
    return paths


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the progress
    command = shlex.join(["python", "-m", "bench", *argv])
    try:
        result = run(plan_from(args), args.skip_piper, command)
    except ServerFailed as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    json_path, md_path, png_path = write(result, args.out)
    if args.update_docs:
        docs.update(docs.DOC, result, png_path)
    print(md_path.read_text(encoding="utf-8"))
    print(f"wrote {json_path}, {md_path}, {png_path}", file=sys.stderr)
    misses = [t for t in result["targets"] if t["status"] == "MISS"]
    log.info("targets pass=%d miss=%d", sum(t["status"] == "PASS" for t in result["targets"]), len(misses))
    return 0
