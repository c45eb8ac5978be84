"""The burst's pure part: what each exchange shows, the verdict, and its section of the docs.

Nothing here talks to a server; `bench.burst` records the exchanges and hands them over.
A stream "ran dry" when a player that starts at its first byte would have run out of audio
before a later chunk arrived.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.reliability_docs import TITLES
from bench.stats import summary

REFUSAL_LIMIT_SECONDS = 0.1
SHORT_LIMIT_SECONDS = 1.0
RSS_TOLERANCE = 0.10
PLAYOUT_BUFFERS = (0.2, 0.5)  # seconds a player might hold back; reported, not judged
BUSY_MACHINE_SHARE = 0.1  # other processes' CPU, as a share of one core, that makes a run suspect
COMPACT_SECONDS = 0.005  # reads closer than this are one server chunk split by the socket

Arrival = tuple[float, int]  # (seconds from sending, bytes)


@dataclass
class Exchange:
    """One POST as its client saw it; every time is in seconds from the moment it was sent."""

    index: int
    offset_seconds: float = 0.0  # when it was sent, from the start of the burst
    status: int | None = None  # None: no answer at all (a transport error before the status)
    status_seconds: float | None = None
    retry_after: str | None = None
    message: str | None = None
    arrivals: list[Arrival] = field(default_factory=list)
    finished_seconds: float | None = None  # the body's end; None if it never ended cleanly
    error: str | None = None

    @property
    def received(self) -> int:
        return sum(size for _, size in self.arrivals)


def playout_deficit(arrivals: Sequence[Arrival], bytes_per_second: float) -> float | None:
    """How far behind real time a player that starts at the first arrival falls, at worst.

    For every later arrival at t: (t − t0) − seconds of audio received before t. At most 0
    means the player never ran dry; None when there is no later arrival to judge.
    """
    if len(arrivals) < 2:
        return None
    t0 = arrivals[0][0]
    before = 0
    worst = float("-inf")
    for t, size in arrivals:
        if before:
            worst = max(worst, (t - t0) - before / bytes_per_second)
        before += size
    return worst


def retry_after_ok(value: str | None) -> bool:
    return value is not None and value.strip().isdigit() and int(value) > 0


def compact(arrivals: Sequence[Arrival], window: float = COMPACT_SECONDS) -> list[list[float]]:
    """Arrivals for the JSON: reads within `window` of the last kept one join it; times in ms."""
    kept: list[list[float]] = []
    for t, size in arrivals:
        if kept and t - kept[-1][0] / 1000 < window:
            kept[-1][1] += size
        else:
            kept.append([round(t * 1000, 1), size])
    return kept


def stream_row(exchange: Exchange, reference_bytes: int, bytes_per_second: float) -> dict[str, Any]:
    row: dict[str, Any] = {
        "index": exchange.index,
        "status": exchange.status,
        "status_seconds": _round(exchange.status_seconds),
        "error": exchange.error,
    }
    if exchange.status != 200:
        return row | {"retry_after": exchange.retry_after, "message": exchange.message}
    arrivals = exchange.arrivals
    deficit = playout_deficit(arrivals, bytes_per_second)
    return row | {
        "bytes": exchange.received,
        "whole": exchange.error is None and exchange.received == reference_bytes,
        "ttfa_seconds": _round(arrivals[0][0]) if arrivals else None,
        "finished_seconds": _round(exchange.finished_seconds),
        "deficit_seconds": _round(deficit),
        "arrivals_ms_bytes": compact(arrivals),
    }


def short_row(exchange: Exchange, reference_bytes: int, bytes_per_second: float) -> dict[str, Any]:
    """A short request sent during the burst: its first audio (or its 429) within the limit.

    Served means as a listener hears it: first audio in time, then, like every admitted stream,
    whole and never dry. Judging the first audio alone would pass an answer whose second half
    comes half a minute later.
    """
    ttfa = exchange.arrivals[0][0] if exchange.arrivals else None
    row: dict[str, Any] = {
        "offset_seconds": exchange.offset_seconds,
        "status": exchange.status,
        "status_seconds": _round(exchange.status_seconds),
        "ttfa_seconds": _round(ttfa),
        "finished_seconds": _round(exchange.finished_seconds),
        "deficit_seconds": _round(playout_deficit(exchange.arrivals, bytes_per_second)),
        "bytes": exchange.received,
        "retry_after": exchange.retry_after,
        "error": exchange.error,
    }
    if exchange.status == 200:
        row["whole"] = exchange.error is None and exchange.received == reference_bytes
        steady = row["deficit_seconds"] is None or row["deficit_seconds"] <= 0
        row["ok"] = row["whole"] and steady and ttfa is not None and ttfa <= SHORT_LIMIT_SECONDS
    elif exchange.status == 429:
        row["ok"] = retry_after_ok(exchange.retry_after) and (exchange.status_seconds or 0) <= SHORT_LIMIT_SECONDS
    else:
        row["ok"] = False
    return row


def summarise_burst(
    exchanges: Sequence[Exchange], reference_bytes: int, bytes_per_second: float
) -> dict[str, Any]:
    rows = [stream_row(e, reference_bytes, bytes_per_second) for e in exchanges]
    admitted = [r for r in rows if r["status"] == 200]
    refused = [r for r in rows if r["status"] == 429]
    others = Counter(str(r["status"]) for r in rows if r["status"] not in (200, 429, None))
    deficits = [r["deficit_seconds"] for r in admitted if r["deficit_seconds"] is not None]
    refusal_seconds = [r["status_seconds"] for r in refused]

    def steady(r: dict[str, Any], buffer: float) -> bool:
        return r["whole"] and (r["deficit_seconds"] is None or r["deficit_seconds"] <= buffer)

    return {
        "streams": len(rows),
        "admitted": len(admitted),
        "refused_429": len(refused),
        "other_status": dict(sorted(others.items())),
        "no_answer": sum(r["status"] is None for r in rows),
        "whole": sum(r["whole"] for r in admitted),
        "cut_examples": [f"#{r['index']}: {r['bytes']} of {reference_bytes} bytes, {r['error'] or 'no error'}"
                         for r in admitted if not r["whole"]][:10],
        "ran_dry": sum(r["deficit_seconds"] is not None and r["deficit_seconds"] > 0 for r in admitted),
        "never_dry_and_whole": sum(steady(r, 0.0) for r in admitted),
        "within_buffer": {f"{b:g}": sum(steady(r, b) for r in admitted) for b in PLAYOUT_BUFFERS},
        "worst_deficit_seconds": max(deficits) if deficits else None,
        "ttfa_seconds": summary([r["ttfa_seconds"] for r in admitted if r["ttfa_seconds"] is not None]),
        "finished_seconds": summary([r["finished_seconds"] for r in admitted if r["finished_seconds"] is not None]),
        "refusal_seconds": summary(refusal_seconds),
        "slow_refusals": sum(s is None or s > REFUSAL_LIMIT_SECONDS for s in refusal_seconds),
        "bad_retry_after": sum(not retry_after_ok(r["retry_after"]) for r in refused),
        "retry_after": dict(sorted(Counter(str(r["retry_after"]) for r in refused).items())),
        "refusal_messages": dict(Counter(str(r["message"]) for r in refused).most_common(5)),
        "rows": rows,
    }


def failures(result: dict[str, Any]) -> list[str]:
    """Why the run fails, one line per reason; empty when it passes."""
    burst, reasons = result["burst"], []
    if result.get("deadline_hit"):
        reasons.append(f"the run hit its deadline of {result['deadline_seconds']:g} s and was stopped")
    if not result.get("reference_consistent", True):
        reasons.append("the idle reference was not the same twice, so 'whole' cannot be judged")
    if burst["admitted"] == 0:
        reasons.append("no stream was admitted")
    if burst["admitted"] > burst["whole"]:
        missing = burst["admitted"] - burst["whole"]
        reasons.append(f"{missing} of {burst['admitted']} admitted streams did not arrive whole")
    if burst["ran_dry"]:
        reasons.append(f"{burst['ran_dry']} admitted streams fell behind real time after their first chunk "
                       f"(worst by {burst['worst_deficit_seconds']:.2f} s)")
    if burst["no_answer"]:
        reasons.append(f"{burst['no_answer']} streams got no status at all")
    if burst["other_status"]:
        reasons.append("refusals other than 429: " + ", ".join(f"{k} ×{v}" for k, v in burst["other_status"].items()))
    if burst["bad_retry_after"]:
        reasons.append(f"{burst['bad_retry_after']} refusals without a positive whole-second Retry-After")
    if burst["slow_refusals"]:
        reasons.append(f"{burst['slow_refusals']} refusals took longer than {REFUSAL_LIMIT_SECONDS:g} s "
                       f"(slowest {burst['refusal_seconds']['max']:.3f} s)")
    for short in result["short_requests"]:
        if not short["ok"]:
            reasons.append(f"the short request at {short['offset_seconds']:g} s: {_short_text(short)}")
    if result.get("in_flight_after"):
        reasons.append(f"{result['in_flight_after']:.0f} requests still in flight after the burst")
    rss = result["rss"]
    if rss["change"] is None or abs(rss["change"]) > RSS_TOLERANCE:
        reasons.append(f"RSS after the burst is not within {RSS_TOLERANCE:.0%} of RSS after warm-up")
    return reasons


def markdown(result: dict[str, Any]) -> str:
    burst, rss = result["burst"], result["rss"]
    admitted = burst["admitted"]
    ttfa, done, refusal = burst["ttfa_seconds"], burst["finished_seconds"], burst["refusal_seconds"]
    buffers = ", ".join(f"{b} s: {n}" for b, n in burst["within_buffer"].items())
    retry = ", ".join(f"{v} s ×{n}" for v, n in burst["retry_after"].items()) or "none (no 429)"
    shorts = "; ".join(f"at {s['offset_seconds']:g} s: {_short_text(s)}" for s in result["short_requests"])
    others = ", ".join(f"{k} ×{v}" for k, v in burst["other_status"].items())
    answered = f"{admitted} / {burst['refused_429']}" + (f" / other {others}" if others else "") + (
        f" / no answer {burst['no_answer']}" if burst["no_answer"] else "")
    reasons = result["failures"]
    lines = [
        f"## {TITLES['burst']}",
        "",
        f"Command: `{result['command']}` ({result['wall_seconds']} s on {result['cores']} cores; server with "
        f"default settings{_server_note(result)}).",
        "",
        f"{burst['streams']} clients send the same long Chinese text (zh-baker, pcm, "
        f"{result['reference']['audio_seconds']:.1f} s of speech, {result['reference']['chars']} characters) at the "
        f"same moment. Alone on the idle server it took {result['reference']['seconds']:.1f} s.{_cpu_note(result)}",
        "",
        "| figure | what it means | result |",
        "|---|---|---|",
        f"| admitted / refused with 429 | streams answered 200, and refused at once | {answered} |",
        f"| admitted streams that arrived whole | every sample of the idle reference, no cut "
        f"| {burst['whole']} of {admitted} |",
        f"| … whole and never ran dry | a player starting at the first byte never waits for a later one "
        f"| {burst['never_dry_and_whole']} of {admitted} (with a playout buffer of {buffers}) |",
        f"| worst playout deficit | the most any admitted stream fell behind real time after its first chunk; "
        f"≤ 0 never | {_seconds(burst['worst_deficit_seconds'])} |",
        f"| time to first audio, p50 / p95 / max | from sending to the first byte of an admitted stream "
        f"| {_seconds(ttfa['p50'])} / {_seconds(ttfa['p95'])} / {_seconds(ttfa['max'])} |",
        f"| time to the whole stream, p50 / max | from sending to the last byte of an admitted stream "
        f"| {_seconds(done['p50'])} / {_seconds(done['max'])} |",
        f"| time to the 429, p50 / max | from sending to the refusal; limit {REFUSAL_LIMIT_SECONDS:g} s "
        f"| {_seconds(refusal['p50'])} / {_seconds(refusal['max'])} |",
        f"| Retry-After seen | the header's values on the 429s | {retry} |",
        f"| short requests during the burst | \"{result['short_text']}\" sent at these seconds into the burst: "
        f"first audio within {SHORT_LIMIT_SECONDS:g} s then whole and never dry, or a 429 within "
        f"{SHORT_LIMIT_SECONDS:g} s | {shorts} |",
        f"| RSS after warm-up → idle after the burst | server memory, limit ±{RSS_TOLERANCE:.0%} (peak during) "
        f"| {rss['warm_mb']} MB → {rss['after_mb']} MB ({_percent(rss['change'])}; peak {rss['peak_mb']} MB) |",
        f"| **verdict** | all of the above within limits, at least one admitted | "
        f"**{'PASS' if result['passed'] else 'FAIL'}** |",
        "",
    ]
    if reasons:
        lines += ["Why it fails:", ""] + [f"- {reason}" for reason in reasons] + [""]
    return "\n".join(lines)


def _short_text(short: dict[str, Any]) -> str:
    if short["status"] == 200:
        whole = "whole" if short["whole"] else f"not whole ({short['error'] or 'wrong length'})"
        return (f"200 {whole}, first audio {_seconds(short['ttfa_seconds'])}, all of it "
                f"{_seconds(short['finished_seconds'])} (deficit {_seconds(short['deficit_seconds'])})")
    if short["status"] is None:
        return f"no answer ({short['error']})"
    return f"{short['status']} in {_seconds(short['status_seconds'])}, Retry-After {short['retry_after']}"


def _cpu_note(result: dict[str, Any]) -> str:
    cpu = result.get("cpu_seconds_during_burst")
    if not cpu:
        return ""
    note = (f" The clients run on the same machine: during the {result['burst_seconds']:g} s burst the server "
            f"used {cpu['server']:g} CPU-seconds, the clients {cpu['clients']:g} and everything else "
            f"{cpu['rest_of_machine']:g}.")
    if cpu["rest_of_machine"] > BUSY_MACHINE_SHARE * result["burst_seconds"]:
        note += (" **Something else competed for the cores during this run: its figures are not the "
                 "server's alone; run it again on an otherwise idle machine.**")
    return note


def _server_note(result: dict[str, Any]) -> str:
    label = result.get("server_label")
    return f", {label}" if label else ""


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f} s"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1%}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
