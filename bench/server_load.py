"""Closed-loop English clients against warmtts (from one or more source trees) and Piper, side by side.

    python -m bench.server_load --clients 4,8 --rounds 3 [--server-src old=/tmp/base/src] [--profile DIR]

Each round launches every server in turn (alternating, so a slow moment of a shared machine
falls on all of them), warms it, and runs each client count of the English mix, `requests`
requests per client. Per run: throughput (audio seconds per wall second), TTFA p50/p95, the
whole answer's p50, 429s, the server's CPU seconds over wall seconds (how many cores it kept
busy), its minor page faults per audio second, its peak RSS during the run and its RSS once
idle for two seconds. With `--profile`, py-spy samples the warmtts server during each load run
(raw stacks, native frames, idle threads kept) and `bench.server_profile` tabulates them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.clients import run_clients, timed_request
from bench.serving.memory import PeakRss
from bench.serving.process import ServerProcess
from bench.serving.servers import Server, Warmtts, default_piper
from bench.stats import median, percentile, ratio
from bench.texts import MIXES

ROOT = Path(__file__).resolve().parents[1]
WARM_REQUESTS = 2
IDLE_SECONDS = 2.0
MB = 1024 * 1024


@dataclass(frozen=True)
class Contender:
    """A server to run and the environment to run it with (warmtts from another tree, settings)."""

    label: str
    server: Server
    env: dict[str, str]


def contenders(sources: list[str], piper: bool, extra_env: list[str]) -> list[Contender]:
    env = dict(item.split("=", 1) for item in extra_env)
    found = []
    for source in sources or [f"this={ROOT / 'src'}"]:
        label, _, path = source.partition("=")
        paths = [str(Path(path).resolve()), str(ROOT)]
        found.append(Contender(label, Warmtts(), env | {"PYTHONPATH": os.pathsep.join(paths)}))
    if piper:
        found.append(Contender("piper", default_piper(), {}))
    return found


def _minor_faults(pid: int) -> int:
    """Page faults served without I/O (fresh pages for freed and re-allocated memory), Linux only."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[7])  # minflt: the 10th field, the 8th after the command's ")"


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def load_run(process: ServerProcess, clients: int, per_client: int, profile: Path | None) -> dict[str, Any]:
    mix = MIXES["en"]
    spy = None
    if profile is not None:
        spy = subprocess.Popen(
            [str(Path(sys.executable).with_name("py-spy")), "record", "--native", "--format", "raw", "--rate", "50", "--idle",
             "-o", str(profile), "--pid", str(process.pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
    cpu_before, wall_before = _cpu_seconds(process.pid), time.perf_counter()
    faults_before = _minor_faults(process.pid)
    with PeakRss(process, interval=0.1) as peak:
        run = run_clients(process.base_url, process.server, mix, clients, per_client)
    cpu = _cpu_seconds(process.pid) - cpu_before
    faults = _minor_faults(process.pid) - faults_before
    wall = time.perf_counter() - wall_before
    if spy is not None:
        spy.send_signal(2)  # SIGINT: py-spy writes what it has and exits
        spy.wait(30)
    time.sleep(IDLE_SECONDS)  # the server trims its heap once idle
    rss_idle = process.rss_bytes()
    ok = [s for s in run.samples if s.ok]
    ttfa = [s.ttfa for s in ok if s.ttfa is not None]
    audio = sum(s.audio_seconds for s in ok)
    return {
        "clients": clients,
        "requests": len(run.samples),
        "refused": sum(1 for s in run.samples if s.error == "HTTP 429"),
        "errors": len(run.samples) - len(ok),
        "throughput": ratio(audio, run.wall_seconds),
        "ttfa_p50": median(ttfa),
        "ttfa_p95": percentile(ttfa, 95),
        "total_p50": median([s.total for s in ok if s.total is not None]),
        "worst_deficit": max((s.worst_deficit for s in ok if s.worst_deficit is not None), default=None),
        "cores_busy": cpu / wall,
        "cpu_per_audio_second": ratio(cpu, audio),
        "faults_per_audio_second": ratio(faults, audio),
        "peak_rss_mb": peak.peak_bytes / MB,
        "idle_rss_mb": rss_idle / MB,
    }


def one_round(contender: Contender, levels: list[int], per_client: int, profile_dir: Path | None,
              round_no: int) -> list[dict[str, Any]]:
    rows = []
    with ServerProcess(contender.server, env=contender.env) as process:
        process.wait_ready()
        with httpx.Client(timeout=60.0) as client:
            for case in MIXES["en"][:WARM_REQUESTS]:
                timed_request(client, process.base_url, contender.server, case)
        for clients in levels:
            profile = None
            if profile_dir is not None and contender.label != "piper":
                profile = profile_dir / f"{contender.label}-c{clients}-r{round_no}.txt"
            row = {"label": contender.label, "round": round_no, **load_run(process, clients, per_client, profile)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="4,8", help="comma-separated client counts (default 4,8)")
    parser.add_argument("--requests", type=int, default=4, help="requests per client (default 4)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server-src", action="append", default=[], metavar="LABEL=PATH",
                        help="a warmtts src/ folder to serve from (repeat to compare; default this tree's)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="for every warmtts server")
    parser.add_argument("--no-piper", action="store_true")
    parser.add_argument("--profile", type=Path, help="folder for py-spy raw profiles of each warmtts load run")
    parser.add_argument("--out", type=Path, help="write every row here as JSON")
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for round_no in range(args.rounds):
        for contender in contenders(args.server_src, not args.no_piper, args.env):
            rows += one_round(contender, levels, args.requests, args.profile, round_no)
    summary = summarise(rows)
    print(json.dumps(summary, indent=1))
    if args.out is not None:
        args.out.write_text(json.dumps({"argv": sys.argv, "rows": rows, "summary": summary}, indent=1) + "\n")
    return 0


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Medians over rounds per label and client count, and each against Piper's of the same rounds."""
    out: dict[str, dict[str, Any]] = {}
    for label in dict.fromkeys(r["label"] for r in rows):
        for clients in dict.fromkeys(r["clients"] for r in rows):
            mine = [r for r in rows if r["label"] == label and r["clients"] == clients]
            keys = ("throughput", "ttfa_p50", "ttfa_p95", "total_p50", "cores_busy", "cpu_per_audio_second",
                    "faults_per_audio_second", "peak_rss_mb", "idle_rss_mb")
            entry: dict[str, Any] = {k: median([r[k] for r in mine if r[k] is not None]) for k in keys}
            entry["refused"] = sum(r["refused"] for r in mine)
            piper = [r for r in rows if r["label"] == "piper" and r["clients"] == clients]
            if piper and label != "piper":
                by_round = {r["round"]: r for r in piper}
                entry["throughput_x_piper"] = median([
                    r["throughput"] / by_round[r["round"]]["throughput"] for r in mine if r["round"] in by_round
                ])
                entry["ttfa_p95_x_piper"] = median([
                    r["ttfa_p95"] / by_round[r["round"]]["ttfa_p95"] for r in mine if r["round"] in by_round
                ])
            out[f"{label} c{clients}"] = entry
    return out


if __name__ == "__main__":
    raise SystemExit(main())
