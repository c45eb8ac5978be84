"""The measurements of one server, each phase a function returning plain JSON-ready dicts.

Fresh launches give start-up and first-request figures (one process per launch and text, so
every first request is really the process's first). One long-lived process then gives warm
figures, real-time factors, the concurrency levels and peak memory. Each server runs only the
cases and mixes it can answer (`Server.cases`, `Server.mixes`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import httpx

from bench.clients import TIMEOUT, Sample, run_clients, timed_request
from bench.serving.memory import PeakRss
from bench.serving.process import ServerProcess
from bench.serving.servers import Server
from bench.stats import median, ratio, summary
from bench.texts import Case

log = logging.getLogger("bench")
MB = 1024 * 1024


@dataclass(frozen=True)
class Plan:
    """How much to measure; `--quick` shrinks every count."""

    launches: int = 5
    warm_requests: int = 20
    concurrency: tuple[int, ...] = (1, 2, 4, 8, 16)
    requests_per_client: int = 4
    encoded_concurrency: tuple[int, ...] = (4,)  # client counts for the mp3 mix, beside pcm's at 4


def measure_server(server: Server, plan: Plan) -> dict[str, Any]:
    cases = server.cases()
    startup, first = fresh_launches(server, cases, plan.launches)
    with ServerProcess(server) as process:
        process.wait_ready()
        rss_ready = process.rss_bytes()
        with PeakRss(process) as peak:
            warm, samples = warm_requests(process.base_url, server, cases, plan.warm_requests)
            load = {
                key: load_levels(
                    process.base_url,
                    server,
                    key,
                    mix,
                    plan.concurrency if mix[0].format == "pcm" else plan.encoded_concurrency,
                    plan.requests_per_client,
                )
                for key, mix in server.mixes().items()
            }
    return {
        "startup": startup,
        "first_request": first,
        "warm": warm,
        "wire_formats": {case.id: server.wire_format(case) for case in cases},
        "rtf": rtf_by_voice(samples, cases),
        "concurrency": load,
        "memory": {"rss_after_ready_mb": rss_ready / MB, "peak_rss_mb": peak.peak_bytes / MB, "samples": peak.samples},
    }


def fresh_launches(server: Server, cases: tuple[Case, ...], launches: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Launch → ready for every launch, and the first request's timings per text."""
    ready: list[float] = []
    rss: list[float] = []
    steps: dict[str, list[float]] = defaultdict(list)
    preload_total: list[float] = []
    first: dict[str, list[Sample]] = {case.id: [] for case in cases}
    for launch in range(launches):
        for case in cases:
            with ServerProcess(server) as process:
                seconds, answer = process.wait_ready()
                rss.append(process.rss_bytes() / MB)
                with httpx.Client(timeout=TIMEOUT) as client:
                    sample = timed_request(client, process.base_url, server, case)
            ready.append(seconds)
            first[case.id].append(sample)
            preload = (answer or {}).get("preload") or {}
            for step, step_seconds in (preload.get("steps") or {}).items():
                steps[step].append(step_seconds)
            if preload.get("total_seconds") is not None:
                preload_total.append(preload["total_seconds"])
            log.info(
                "fresh server=%s launch=%d case=%s ready_seconds=%.3f first_ttfa_seconds=%s",
                server.name,
                launch,
                case.id,
                seconds,
                _fmt(sample.ttfa),
            )
    startup = {
        "launches": len(ready),
        "ready_seconds": summary(ready),
        "preload_total_seconds": median(preload_total),
        "preload_steps": {step: median(values) for step, values in steps.items()},
        "rss_after_ready_mb": summary(rss),
    }
    return startup, {case_id: _timings(samples) for case_id, samples in first.items()}


def warm_requests(
    base_url: str, server: Server, cases: tuple[Case, ...], count: int
) -> tuple[dict[str, Any], dict[str, list[Sample]]]:
    """`count` sequential requests per text after one untimed request per text."""
    samples: dict[str, list[Sample]] = {}
    with httpx.Client(timeout=TIMEOUT) as client:
        for case in cases:
            timed_request(client, base_url, server, case)
        for case in cases:
            samples[case.id] = [timed_request(client, base_url, server, case) for _ in range(count)]
            log.info(
                "warm server=%s case=%s ttfa_p50_seconds=%s",
                server.name,
                case.id,
                _fmt(median([s.ttfa for s in samples[case.id] if s.ttfa is not None])),
            )
    return {case_id: _timings(case_samples) for case_id, case_samples in samples.items()}, samples


def rtf_by_voice(samples: dict[str, list[Sample]], cases: tuple[Case, ...]) -> dict[str, float | None]:
    """Full-response seconds over audio seconds, summed over a voice's sequential pcm requests.

    Encoded cases are left out: their time includes encoding and their decoded mp3 length the
    codec's padding, so they would move a voice's RTF with the mix of formats timed."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for case in (c for c in cases if c.format == "pcm"):
        for sample in samples.get(case.id, []):
            if sample.ok and sample.total is not None:
                totals[case.voice][0] += sample.total
                totals[case.voice][1] += sample.audio_seconds
    return {voice: ratio(seconds, audio) for voice, (seconds, audio) in totals.items()}


def load_levels(
    base_url: str, server: Server, key: str, mix: tuple[Case, ...], levels: tuple[int, ...], per_client: int
) -> list[dict[str, Any]]:
    """One row per client count; `key` names the mix in the log ("en", "zh", "en-mp3")."""
    rows = []
    for clients in levels:
        run = run_clients(base_url, server, mix, clients, per_client)
        ok = [s for s in run.samples if s.ok]
        ttfa = [s.ttfa for s in ok if s.ttfa is not None]
        audio = sum(s.audio_seconds for s in ok)
        row = {
            "clients": clients,
            "requests": len(run.samples),
            "errors": len(run.samples) - len(ok),
            "error_examples": sorted({s.error for s in run.samples if s.error})[:3],
            "ttfa": summary(ttfa),
            "total": summary([s.total for s in ok if s.total is not None]),
            "audio_seconds": audio,
            "wall_seconds": run.wall_seconds,
            "throughput": ratio(audio, run.wall_seconds),
        }
        log.info(
            "load server=%s mix=%s clients=%d errors=%d ttfa_p95_seconds=%s throughput=%s",
            server.name,
            key,
            clients,
            row["errors"],
            _fmt(row["ttfa"]["p95"]),
            _fmt(row["throughput"]),
        )
        rows.append(row)
    return rows


def _timings(samples: list[Sample]) -> dict[str, Any]:
    ok = [s for s in samples if s.ok]
    audio = sum(s.audio_seconds for s in ok)
    total = sum(s.total for s in ok if s.total is not None)
    return {
        "ttfa": summary([s.ttfa for s in ok if s.ttfa is not None]),
        "total": summary([s.total for s in ok if s.total is not None]),
        "audio_seconds": median([s.audio_seconds for s in ok]),
        "rtf": ratio(total, audio),
        "errors": len(samples) - len(ok),
        "error_examples": sorted({s.error for s in samples if s.error})[:3],
    }


def _fmt(value: float | None) -> str:
    return "none" if value is None else f"{value:.3f}"
