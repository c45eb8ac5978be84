"""The burst's pure part: what each exchange shows, the verdict, and its section of the docs.

Nothing here talks to a server; `bench.burst` records the exchanges and hands them over.
A stream "ran dry" when a player that starts at its first byte would have run out of audio
before a later chunk arrived. With `--retry` each long-stream client tries again after every
429 as its Retry-After says; the same checks then apply to every request of every client, and
the retry summary adds when each client got in and how much the server carried at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.reliability_sections import TITLES
from bench.stats import ratio, summary

REFUSAL_LIMIT_SECONDS = 0.1
SHORT_LIMIT_SECONDS = 1.0
PROBE_SECONDS = 0.5  # a refused short request is sent again this often, to time the real wait
RSS_TOLERANCE = 0.10
PLAYOUT_BUFFERS = (0.2, 0.5)  # seconds a player might hold back; reported, not judged
BUSY_MACHINE_SHARE = 0.1  # other processes' CPU, as a share of one core, that makes a run suspect
COMPACT_SECONDS = 0.005  # reads closer than this are one server chunk split by the socket
RETRY_SECTION = "burst-retry"  # its section of docs/reliability.md and its results file's stem
RETRY_TITLE = TITLES[RETRY_SECTION]

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
    waited_seconds: float | None = None  # a short request's 429: from it to the first probe admitted

    @property
    def received(self) -> int:
        return sum(size for _, size in self.arrivals)


@dataclass
class RetryClient:
    """One long-stream client's requests, each `offset_seconds` from the burst's start; it sends
    again after a 429 until admitted, and `stop` says why it gave up (None once admitted)."""

    index: int
    attempts: list[Exchange] = field(default_factory=list)
    stop: str | None = None

    @property
    def admitted(self) -> Exchange | None:
        last = self.attempts[-1] if self.attempts else None
        return last if last is not None and last.status == 200 else None

    @property
    def admitted_seconds(self) -> float | None:
        """From the burst's start to the admitting answer's status line."""
        admitted = self.admitted
        if admitted is None or admitted.status_seconds is None:
            return None
        return admitted.offset_seconds + admitted.status_seconds

    def last_exchange(self) -> Exchange:
        """What the single-try burst judges: the last request, or the reason none was sent."""
        return self.attempts[-1] if self.attempts else Exchange(self.index, error=self.stop or "client never sent")


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
        "waited_seconds": _round(exchange.waited_seconds),
        "error": exchange.error,
    }
    if exchange.status == 200:
        row["whole"] = exchange.error is None and exchange.received == reference_bytes
        steady = row["deficit_seconds"] is None or row["deficit_seconds"] <= 0
        row["ok"] = row["whole"] and steady and ttfa is not None and ttfa <= SHORT_LIMIT_SECONDS
    elif exchange.status == 429:
        row["ok"] = (retry_after_ok(exchange.retry_after) and (exchange.status_seconds or 0) <= SHORT_LIMIT_SECONDS
                     and retry_after_kept(exchange.retry_after, exchange.waited_seconds))
    else:
        row["ok"] = False
    return row


def retry_after_kept(retry_after: str | None, waited: float | None) -> bool:
    """Whether a Retry-After was within 2x of the wait that followed it (probing every
    PROBE_SECONDS, so a wait under one probe counts as one)."""
    if not retry_after_ok(retry_after) or waited is None:
        return False
    told, real = int(retry_after or 0), max(waited, PROBE_SECONDS)
    return real / 2 <= told <= 2 * real


def received_interval(exchange: Exchange) -> tuple[float, float] | None:
    """First and last arrival in seconds from the burst's start; None when nothing arrived."""
    if not exchange.arrivals:
        return None
    return exchange.offset_seconds + exchange.arrivals[0][0], exchange.offset_seconds + exchange.arrivals[-1][0]


def peak_overlap(intervals: Sequence[tuple[float, float]]) -> int:
    """Most intervals open at once; one that ends when another starts does not overlap it."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = open_now = 0
    for _, change in events:  # at equal times the end (-1) sorts first
        open_now += change
        peak = max(peak, open_now)
    return peak


def retry_row(client: RetryClient, reference_bytes: int, bytes_per_second: float) -> dict[str, Any]:
    refusals = [a for a in client.attempts if a.status == 429]
    admitted = client.admitted
    slowest = [a.status_seconds for a in refusals if a.status_seconds is not None]
    return {
        "index": client.index,
        "attempts": len(client.attempts),
        "admitted_seconds": _round(client.admitted_seconds),
        "stop": None if admitted else client.stop or "no request sent",
        "refusals": len(refusals),
        "slowest_refusal_seconds": _round(max(slowest, default=None)),
        "retry_after": dict(sorted(Counter(str(a.retry_after) for a in refusals).items())),
        "stream": stream_row(admitted, reference_bytes, bytes_per_second) if admitted else None,
    }


def summarise_retry(
    clients: Sequence[RetryClient], reference_bytes: int, bytes_per_second: float, max_attempts: int
) -> dict[str, Any]:
    """When each client got in, and what the server carried once clients retry as told.

    The audio delivered counts every admitted stream's bytes (whole or not) over the time from
    the burst's start to the last byte any stream received.
    """
    rows = [retry_row(c, reference_bytes, bytes_per_second) for c in clients]
    admitted = [e for e in (c.admitted for c in clients) if e is not None]
    intervals = [i for i in map(received_interval, admitted) if i is not None]
    delivered = sum(e.received for e in admitted) / bytes_per_second
    last_byte = max((end for _, end in intervals), default=None)
    per_wall_second = ratio(delivered, last_byte)
    return {
        "clients": len(rows),
        "max_attempts": max_attempts,
        "admitted": len(admitted),
        "not_admitted_examples": [f"#{r['index']}: {r['stop']} ({r['attempts']} attempts)"
                                  for r in rows if r["stream"] is None][:10],
        "admission_seconds": summary([r["admitted_seconds"] for r in rows if r["admitted_seconds"] is not None]),
        "attempts": summary([r["attempts"] for r in rows]),
        "peak_receiving": peak_overlap(intervals),
        "audio_seconds_delivered": round(delivered, 1),
        "last_byte_seconds": _round(last_byte),
        "audio_per_wall_second": None if per_wall_second is None else round(per_wall_second, 2),
        "rows": rows,
    }


def summarise_burst(
    exchanges: Sequence[Exchange], reference_bytes: int, bytes_per_second: float, with_rows: bool = True
) -> dict[str, Any]:
    """Every check on the exchanges; `with_rows=False` leaves out the per-exchange rows (a retry
    run keeps them per client instead of one per refusal)."""
    rows = [stream_row(e, reference_bytes, bytes_per_second) for e in exchanges]
    admitted = [r for r in rows if r["status"] == 200]
    refused = [r for r in rows if r["status"] == 429]
    others = Counter(str(r["status"]) for r in rows if r["status"] not in (200, 429, None))
    deficits = [r["deficit_seconds"] for r in admitted if r["deficit_seconds"] is not None]
    refusal_seconds = [r["status_seconds"] for r in refused]

    def steady(r: dict[str, Any], buffer: float) -> bool:
        return r["whole"] and (r["deficit_seconds"] is None or r["deficit_seconds"] <= buffer)

    result = {
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
    }
    return result | {"rows": rows} if with_rows else result


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
    retry = result.get("retry")
    if retry and retry["admitted"] < retry["clients"]:
        reasons.append(f"{retry['clients'] - retry['admitted']} of {retry['clients']} clients were not admitted "
                       f"before the deadline: " + "; ".join(retry["not_admitted_examples"][:3]))
    if result.get("in_flight_after"):
        reasons.append(f"{result['in_flight_after']:.0f} requests still in flight after the burst")
    rss = result["rss"]
    if rss["change"] is None or abs(rss["change"]) > RSS_TOLERANCE:
        reasons.append(f"RSS after the burst is not within {RSS_TOLERANCE:.0%} of RSS after warm-up")
    return reasons


def markdown(result: dict[str, Any]) -> str:
    burst = result["burst"]
    admitted = burst["admitted"]
    others = ", ".join(f"{k} ×{v}" for k, v in burst["other_status"].items())
    answered = f"{admitted} / {burst['refused_429']}" + (f" / other {others}" if others else "") + (
        f" / no answer {burst['no_answer']}" if burst["no_answer"] else "")
    lines = [
        *_opening(result, TITLES["burst"], burst["streams"], "at the same moment."),
        "| figure | what it means | result |",
        "|---|---|---|",
        f"| admitted / refused with 429 | streams answered 200, and refused at once | {answered} |",
        *_admitted_rows(burst),
        *_refusal_rows(burst, "the 429s"),
        *_closing_rows(result, "at least one admitted"),
    ]
    return _with_reasons(lines, result)


def retry_markdown(result: dict[str, Any]) -> str:
    """The retry run's section: when the clients got in, what was carried at once, and every
    check of the single-try burst applied to all of their requests."""
    burst, retry = result["burst"], result["retry"]
    when, tries = retry["admission_seconds"], retry["attempts"]
    others = ", ".join(f"{k} ×{v}" for k, v in burst["other_status"].items())
    refusals = f"{burst['refused_429']}" + (f" (other statuses: {others})" if others else "") + (
        f" (no answer: {burst['no_answer']})" if burst["no_answer"] else "")
    window = result.get("last_attempt_seconds")
    rule = (f"each client refused with 429 waits the Retry-After it was given and sends again, at most "
            f"{retry['max_attempts']} times" + (f" and none later than {window:g} s into the burst "
                                                f"(so that its stream can end before the run's deadline)"
                                                if window is not None else "") + ".")
    lines = [
        *_opening(result, RETRY_TITLE, retry["clients"], "at the same moment; " + rule),
        "| figure | what it means | result |",
        "|---|---|---|",
        f"| clients admitted in the end | answered 200 after retrying as told; all must be, before the deadline "
        f"| {retry['admitted']} of {retry['clients']} |",
        f"| time to admission, p50 / p95 / max | from the burst's start to the admitting 200 "
        f"| {_seconds(when['p50'])} / {_seconds(when['p95'])} / {_seconds(when['max'])} |",
        f"| attempts per client, p50 / max | requests a client sent, the admitted one included "
        f"| {_count(tries['p50'])} / {_count(tries['max'])} |",
        f"| peak streams received at once | admitted streams between their first and last byte at the same "
        f"moment, as the clients saw them | {retry['peak_receiving']} |",
        f"| audio delivered per wall second | seconds of speech all clients received, over the time from the "
        f"burst's start to the last byte ({retry['audio_seconds_delivered']:g} s of speech in "
        f"{_seconds(retry['last_byte_seconds'])}) | {_number(retry['audio_per_wall_second'])} |",
        *_admitted_rows(burst),
        f"| refusals with 429 | over all requests, first tries and retries alike | {refusals} |",
        *_refusal_rows(burst, "every 429"),
        *_closing_rows(result, "every client admitted before the deadline"),
    ]
    return _with_reasons(lines, result)


def _opening(result: dict[str, Any], title: str, clients: int, how: str) -> list[str]:
    reference = result["reference"]
    return [
        f"## {title}",
        "",
        f"Command: `{result['command']}` ({result['wall_seconds']} s on {result['cores']} cores; server with "
        f"default settings{_server_note(result)}).",
        "",
        f"{clients} clients send the same long Chinese text (zh-baker, pcm, {reference['audio_seconds']:.1f} s of "
        f"speech, {reference['chars']} characters) {how} Alone on the idle server it took "
        f"{reference['seconds']:.1f} s.{_cpu_note(result)}",
        "",
    ]


def _admitted_rows(burst: dict[str, Any]) -> list[str]:
    admitted, ttfa, done = burst["admitted"], burst["ttfa_seconds"], burst["finished_seconds"]
    buffers = ", ".join(f"{b} s: {n}" for b, n in burst["within_buffer"].items())
    return [
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
    ]


def _refusal_rows(burst: dict[str, Any], which: str) -> list[str]:
    refusal = burst["refusal_seconds"]
    retry = ", ".join(f"{v} s ×{n}" for v, n in burst["retry_after"].items()) or "none (no 429)"
    return [
        f"| time to the 429, p50 / max | from sending to the refusal; limit {REFUSAL_LIMIT_SECONDS:g} s "
        f"| {_seconds(refusal['p50'])} / {_seconds(refusal['max'])} |",
        f"| Retry-After seen | the header's values on {which} | {retry} |",
    ]


def _closing_rows(result: dict[str, Any], verdict_needs: str) -> list[str]:
    rss = result["rss"]
    shorts = "; ".join(f"at {s['offset_seconds']:g} s: {_short_text(s)}" for s in result["short_requests"])
    return [
        f"| short requests during the burst | \"{result['short_text']}\" sent at these seconds into the burst: "
        f"first audio within {SHORT_LIMIT_SECONDS:g} s then whole and never dry, or a 429 within "
        f"{SHORT_LIMIT_SECONDS:g} s whose Retry-After is within 2× of the wait that followed (sent again "
        f"every {PROBE_SECONDS:g} s until admitted) | {shorts} |",
        f"| RSS after warm-up → idle after the burst | server memory, limit ±{RSS_TOLERANCE:.0%} (peak during) "
        f"| {rss['warm_mb']} MB → {rss['after_mb']} MB ({_percent(rss['change'])}; peak {rss['peak_mb']} MB) |",
        f"| **verdict** | all of the above within limits, {verdict_needs} | "
        f"**{'PASS' if result['passed'] else 'FAIL'}** |",
        "",
    ]


def _with_reasons(lines: list[str], result: dict[str, Any]) -> str:
    if result["failures"]:
        lines += ["Why it fails:", ""] + [f"- {reason}" for reason in result["failures"]] + [""]
    return "\n".join(lines)


def _short_text(short: dict[str, Any]) -> str:
    if short["status"] == 200:
        whole = "whole" if short["whole"] else f"not whole ({short['error'] or 'wrong length'})"
        return (f"200 {whole}, first audio {_seconds(short['ttfa_seconds'])}, all of it "
                f"{_seconds(short['finished_seconds'])} (deficit {_seconds(short['deficit_seconds'])})")
    if short["status"] is None:
        return f"no answer ({short['error']})"
    text = f"{short['status']} in {_seconds(short['status_seconds'])}, Retry-After {short['retry_after']}"
    if short.get("waited_seconds") is not None:
        text += f", admitted after {_seconds(short['waited_seconds'])} (probing every {PROBE_SECONDS:g} s)"
    elif short["status"] == 429 and "waited_seconds" in short:
        text += ", never admitted while probed"
    return text


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


def _count(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1%}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
