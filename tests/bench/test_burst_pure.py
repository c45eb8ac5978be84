"""The burst's pure parts: playout deficit, per-exchange rows, the retry summary, the verdict
and the docs sections.

No server is started (the retry loop talks to httpx's mock transport); the burst itself runs as
`python -m bench.burst`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench import reliability_sections, soak
from bench.burst import LONG_TEXT, RetryPolicy, check_environment, retrying
from bench.burst_report import (
    RETRY_SECTION,
    Exchange,
    RetryClient,
    compact,
    failures,
    markdown,
    peak_overlap,
    playout_deficit,
    received_interval,
    retry_after_ok,
    retry_markdown,
    short_row,
    summarise_burst,
    summarise_retry,
)

BPS = 48000.0  # zh-baker pcm: 24000 Hz, 16-bit mono
REFERENCE = 4 * 48000


def test_deficit_is_how_far_a_player_started_at_the_first_byte_falls_behind() -> None:
    ahead = [(0.5, 48000), (1.2, 48000), (1.9, 96000)]  # 1 s of audio, next at +0.7 s, then +1.4 s after 2 s
    assert playout_deficit(ahead, BPS) == pytest.approx(-0.3)
    behind = [(0.5, 48000), (2.0, 48000), (2.5, 96000)]  # waits 1.5 s with 1 s of audio: 0.5 s dry
    assert playout_deficit(behind, BPS) == pytest.approx(0.5)
    exactly = [(0.0, 48000), (1.0, 48000)]
    assert playout_deficit(exactly, BPS) == pytest.approx(0.0)
    assert playout_deficit([(0.3, 48000)], BPS) is None
    assert playout_deficit([], BPS) is None


def test_compact_joins_one_chunk_split_across_reads() -> None:
    assert compact([(0.1, 10), (0.102, 20), (0.2, 5), (0.2049, 1), (0.2051, 1)]) == [
        [100.0, 30], [200.0, 6], [205.1, 1]
    ]


def test_retry_after_must_be_a_positive_whole_number_of_seconds() -> None:
    assert retry_after_ok("3") and retry_after_ok(" 12 ")
    assert not retry_after_ok(None) and not retry_after_ok("0") and not retry_after_ok("1.5")
    assert not retry_after_ok("Wed, 21 Oct 2026 07:28:00 GMT")


def _whole(index: int, gap: float = 0.5) -> Exchange:
    arrivals = [(0.2 + gap * n, 48000) for n in range(4)]
    return Exchange(index, status=200, status_seconds=0.01, arrivals=arrivals, finished_seconds=arrivals[-1][0])


def _refused(index: int, seconds: float = 0.02, retry: str | None = "7") -> Exchange:
    return Exchange(index, status=429, status_seconds=seconds, retry_after=retry, message="server at capacity")


def _result(streams: list[Exchange], shorts: list[Exchange] | None = None, rss_change: float = 0.01) -> dict[str, Any]:
    shorts = shorts if shorts is not None else [
        Exchange(0, 2.0, status=200, status_seconds=0.01, arrivals=[(0.3, REFERENCE // 4)], finished_seconds=0.3)
    ]
    result: dict[str, Any] = {
        "command": "python -m bench.burst --streams 4",
        "wall_seconds": 60.0,
        "cores": 2,
        "server_label": None,
        "deadline_seconds": 900.0,
        "deadline_hit": False,
        "reference_consistent": True,
        "short_text": "你好。",
        "reference": {"chars": 900, "bytes": REFERENCE, "sample_rate": 24000, "audio_seconds": 4.0, "seconds": 0.3},
        "burst": summarise_burst(streams, REFERENCE, BPS),
        "short_requests": [short_row(e, REFERENCE // 4, BPS) for e in shorts],
        "rss": {"warm_mb": 500.0, "after_mb": 505.0, "peak_mb": 700.0, "change": rss_change},
    }
    result["failures"] = failures(result)
    result["passed"] = not result["failures"]
    return result


def test_admitted_whole_and_ahead_with_quick_refusals_passes() -> None:
    result = _result([_whole(0), _whole(1), _refused(2), _refused(3, retry="12")])
    burst = result["burst"]
    assert (burst["admitted"], burst["refused_429"], burst["whole"], burst["ran_dry"]) == (2, 2, 2, 0)
    assert burst["worst_deficit_seconds"] == pytest.approx(-0.5)
    assert burst["retry_after"] == {"12": 1, "7": 1}
    assert result["failures"] == [] and result["passed"]
    text = markdown(result)
    assert "| admitted / refused with 429 | streams answered 200, and refused at once | 2 / 2 |" in text
    assert "**PASS**" in text and "Why it fails" not in text
    quiet = {"server": 100.0, "clients": 2.0, "rest_of_machine": 1.0}
    assert "Something else competed" not in markdown(result | {"burst_seconds": 60.0, "cpu_seconds_during_burst": quiet})
    busy = quiet | {"rest_of_machine": 30.0}
    assert "Something else competed" in markdown(result | {"burst_seconds": 60.0, "cpu_seconds_during_burst": busy})


def test_a_stream_that_falls_behind_fails_strictly_but_is_counted_with_a_buffer() -> None:
    result = _result([_whole(0, gap=1.3)])  # 1 s of audio every 1.3 s: 0.3 s dry, then 0.6, then 0.9
    burst = result["burst"]
    assert burst["ran_dry"] == 1 and burst["worst_deficit_seconds"] == pytest.approx(0.9)
    assert burst["within_buffer"] == {"0.2": 0, "0.5": 0}
    assert any("fell behind real time" in reason for reason in result["failures"])
    nearly = _result([_whole(0, gap=1.1)])["burst"]  # 0.3 s behind at worst
    assert nearly["within_buffer"] == {"0.2": 0, "0.5": 1} and nearly["never_dry_and_whole"] == 0


def test_cut_streams_slow_or_bare_refusals_and_nothing_admitted_each_fail() -> None:
    cut = _whole(0)
    cut.arrivals = cut.arrivals[:2]
    cut.error = "RemoteProtocolError: peer closed connection"
    reasons = failures(_result([cut, _refused(1, seconds=0.25), _refused(2, retry=None)]))
    assert any("1 of 1 admitted streams did not arrive whole" in r for r in reasons)
    assert any("took longer than 0.1 s (slowest 0.250 s)" in r for r in reasons)
    assert any("without a positive whole-second Retry-After" in r for r in reasons)
    assert failures(_result([_refused(0)])) == ["no stream was admitted"]
    other = Exchange(1, status=503, status_seconds=0.01, retry_after="1")
    assert any("refusals other than 429: 503 ×1" in r for r in failures(_result([_whole(0), other])))
    leaked = _result([_whole(0)]) | {"in_flight_after": 2.0}
    assert failures(leaked) == ["2 requests still in flight after the burst"]


def test_short_requests_are_judged_on_first_audio_and_rss_on_its_change() -> None:
    late = Exchange(0, 5.0, status=200, status_seconds=0.01, arrivals=[(1.4, REFERENCE // 4)], finished_seconds=1.4)
    refused = Exchange(1, 10.0, status=429, status_seconds=0.03, retry_after="2", waited_seconds=3.5)
    stalled = Exchange(2, 2.0, status=200, status_seconds=0.01, arrivals=[(0.1, 24000), (30.0, 24000)],
                       finished_seconds=30.0)  # first audio in time, the rest half a minute later
    result = _result([_whole(0)], shorts=[late, refused, stalled], rss_change=0.15)
    assert [row["ok"] for row in result["short_requests"]] == [False, True, False]
    assert "Retry-After 2, admitted after 3.500 s" in markdown(result)
    assert result["short_requests"][2]["deficit_seconds"] == pytest.approx(29.4)
    assert any(r.startswith("the short request at 5 s: 200 whole, first audio 1.400 s") for r in result["failures"])
    assert any(r.startswith("RSS after the burst") for r in result["failures"])
    unanswered = short_row(Exchange(2, 2.0, error="ConnectError"), REFERENCE // 4, BPS)
    assert unanswered["ok"] is False


@pytest.mark.parametrize(("retry_after", "waited", "kept"), [
    ("229", 78.0, False),  # said 229 s when the streams ahead ended within 78 s
    ("80", 78.0, True), ("150", 78.0, True), ("40", 78.0, True), ("30", 78.0, False),
    ("1", 0.2, True),  # a wait under one probe counts as one probe
    ("5", None, False),  # never admitted while probed
])
def test_a_refusals_retry_after_is_held_to_the_wait_that_followed(
    retry_after: str, waited: float | None, kept: bool
) -> None:
    refused = Exchange(1, 10.0, status=429, status_seconds=0.03, retry_after=retry_after, waited_seconds=waited)
    assert short_row(refused, REFERENCE // 4, BPS)["ok"] is kept


def test_each_run_rewrites_only_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "reliability.md"
    reliability_sections.update_section("soak", "## Load and soak\n\nfirst soak\n", doc)
    reliability_sections.update_section("burst", markdown(_result([_whole(0)])), doc)
    reliability_sections.update_section("soak", "## Load and soak\n\nsecond soak\n", doc)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Reliability\n")
    assert "second soak" in text and "first soak" not in text
    assert text.index("second soak") < text.index("## A burst of long streams") and text.count("<!-- reliability:") == 4
    doc.write_text("# Reliability: load and soak\n\nthe old single-section page\n", encoding="utf-8")
    reliability_sections.update_section("burst", "## A burst of long streams\n\nx\n", doc)
    assert "old single-section page" not in doc.read_text(encoding="utf-8")


def test_soak_section_renders_from_its_results_json() -> None:
    result = {
        "requests": 24, "clients": 2, "admission_limit": 8, "seed": 7, "wall_seconds": 3.0,
        "statuses": {"200": 20, "429": 4}, "kinds": {"stream": 24}, "complete_audio": 20, "truncated_count": 0,
        "server_error_count": 0, "bad_refusals": [], "disconnects": 0, "in_flight_after": 0.0,
        "rss_warm_mb": 500.0, "rss_after_mb": 490.0, "rss_change": -0.02, "passed": True,
    }
    text = soak.markdown(result)
    assert text.startswith("## Load and soak\n")
    assert "`python -m bench.soak --requests 24 --clients 2 --seed 7`" in text


def test_the_long_text_is_varied_and_the_environment_is_checked() -> None:
    sentences = [s for s in LONG_TEXT.split("。") if s]
    assert 900 <= sum("\u4e00" <= c <= "\u9fff" for c in LONG_TEXT) <= 1000
    assert len(set(sentences)) == len(sentences) > 30
    check_environment({"PATH": "/bin", "WARMTTS_LOG_LEVEL": "DEBUG"})
    with pytest.raises(SystemExit, match="WARMTTS_WORKERS"):
        check_environment({"WARMTTS_WORKERS": "2"})


def test_peak_overlap_counts_streams_received_at_once() -> None:
    assert peak_overlap([]) == 0
    assert peak_overlap([(0.0, 10.0)]) == 1
    assert peak_overlap([(0.0, 10.0), (2.0, 4.0), (3.0, 12.0), (11.0, 20.0)]) == 3  # at 3 s: all but the last
    assert peak_overlap([(0.0, 5.0), (5.0, 9.0), (9.0, 12.0)]) == 1  # one ends as the next starts
    assert peak_overlap([(1.0, 2.0)] * 4) == 4


def _admitted_after(index: int, retries: int, wait: float = 1.0, gap: float = 0.5) -> RetryClient:
    """Refused `retries` times (Retry-After 1, each 0.02 s), then admitted and whole."""
    client = RetryClient(index)
    for n in range(retries):
        client.attempts.append(Exchange(index, n * (wait + 0.02), status=429, status_seconds=0.02, retry_after="1"))
    stream = _whole(index, gap)
    stream.offset_seconds = retries * (wait + 0.02)
    client.attempts.append(stream)
    return client


def test_received_interval_is_counted_from_the_burst_start() -> None:
    client = _admitted_after(0, retries=2)  # sent at 2.04 s, bytes at +0.2 … +1.7 s
    assert client.admitted is not None
    assert received_interval(client.admitted) == pytest.approx((2.24, 3.74))
    assert client.admitted_seconds == pytest.approx(2.05)
    assert received_interval(Exchange(0, 3.0, status=200)) is None
    assert RetryClient(1, [_refused(1)], stop="refused; not retrying").admitted is None


def test_retry_summary_says_when_clients_got_in_and_what_was_carried_at_once() -> None:
    clients = [_admitted_after(0, 0), _admitted_after(1, 2), _admitted_after(2, 4, gap=0.1),
               RetryClient(3, [_refused(3)] * 3, stop="refused at every attempt allowed")]
    retry = summarise_retry(clients, REFERENCE, BPS, max_attempts=3)
    assert (retry["clients"], retry["admitted"], retry["max_attempts"]) == (4, 3, 3)
    assert retry["not_admitted_examples"] == ["#3: refused at every attempt allowed (3 attempts)"]
    assert retry["admission_seconds"]["n"] == 3
    assert retry["admission_seconds"]["p50"] == pytest.approx(2.05)
    assert retry["admission_seconds"]["max"] == pytest.approx(4.09)
    assert (retry["attempts"]["p50"], retry["attempts"]["max"]) == (3.0, 5)
    # received: 0.2–1.7 s, 2.24–3.74 s, 4.28–4.58 s: never two at once
    assert retry["peak_receiving"] == 1
    assert retry["audio_seconds_delivered"] == pytest.approx(12.0)  # three whole 4 s streams
    assert retry["last_byte_seconds"] == pytest.approx(4.58)
    assert retry["audio_per_wall_second"] == pytest.approx(12.0 / 4.58, abs=0.01)
    rows = retry["rows"]
    assert [r["attempts"] for r in rows] == [1, 3, 5, 3]
    assert rows[1]["retry_after"] == {"1": 2} and rows[1]["stream"]["whole"] is True
    assert rows[3]["stream"] is None and rows[3]["admitted_seconds"] is None
    nobody = summarise_retry([RetryClient(0, stop="client never sent")], REFERENCE, BPS, max_attempts=3)
    assert nobody["peak_receiving"] == 0 and nobody["audio_per_wall_second"] is None
    assert nobody["not_admitted_examples"] == ["#0: client never sent (0 attempts)"]


def _retry_result(clients: list[RetryClient]) -> dict[str, Any]:
    result = _result([a for c in clients for a in c.attempts])
    result["burst"] = summarise_burst([a for c in clients for a in c.attempts], REFERENCE, BPS, with_rows=False)
    result |= {"command": "python -m bench.burst --streams 3 --retry", "last_attempt_seconds": 570.0,
               "retry": summarise_retry(clients, REFERENCE, BPS, max_attempts=600)}
    result["failures"] = failures(result)
    result["passed"] = not result["failures"]
    return result


def test_a_retry_run_passes_only_when_every_client_got_in_and_judges_every_refusal() -> None:
    passed = _retry_result([_admitted_after(0, 0), _admitted_after(1, 2), _admitted_after(2, 3)])
    assert passed["failures"] == [] and "rows" not in passed["burst"]
    assert (passed["burst"]["admitted"], passed["burst"]["refused_429"]) == (3, 5)
    text = retry_markdown(passed)
    assert text.startswith("## A burst of long streams, clients retrying\n")
    assert "at most 600 times and none later than 570 s into the burst" in text
    assert "| clients admitted in the end | answered 200 after retrying as told; all must be, before the deadline " \
           "| 3 of 3 |" in text
    assert "| attempts per client, p50 / max | requests a client sent, the admitted one included | 3 / 4 |" in text
    assert "| refusals with 429 | over all requests, first tries and retries alike | 5 |" in text
    assert "**PASS**" in text

    slow_retry = _admitted_after(1, 2)
    slow_retry.attempts[1].status_seconds = 0.3  # a retry's refusal, not the first one
    left_out = RetryClient(2, [_refused(2, retry="0")], stop="refused with Retry-After '0': no time to retry at")
    failed = _retry_result([_admitted_after(0, 0), slow_retry, left_out])
    reasons = failed["failures"]
    assert any("took longer than 0.1 s (slowest 0.300 s)" in r for r in reasons)
    assert any("without a positive whole-second Retry-After" in r for r in reasons)
    assert any(r.startswith("1 of 3 clients were not admitted before the deadline: #2: refused with Retry-After")
               for r in reasons)
    assert "**FAIL**" in retry_markdown(failed) and "Why it fails" in retry_markdown(failed)


def test_the_retry_run_writes_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "reliability.md"
    reliability_sections.update_section("burst", markdown(_result([_whole(0)])), doc)
    reliability_sections.update_section(RETRY_SECTION, retry_markdown(_retry_result([_admitted_after(0, 1)])), doc)
    reliability_sections.update_section("burst", markdown(_result([_whole(0), _refused(1)])), doc)
    text = doc.read_text(encoding="utf-8")
    assert "<!-- reliability:burst-retry:begin (generated from bench/results/burst-retry.json;" in text
    assert text.count("## A burst of long streams, clients retrying") == 1 and text.count("<!-- reliability:") == 4
    assert "| 1 / 1 |" in text and "| 1 / 0 |" not in text  # the single-try section rewritten
    assert text.index("## A burst of long streams\n") < text.index("## A burst of long streams, clients retrying")


URL = "http://127.0.0.1:9/v1/audio/speech"  # answered by the mock transport, never sent


def _server(*answers: httpx.Response) -> tuple[httpx.Client, list[float]]:
    """A client whose requests get `answers` in turn; the list records when each was sent."""
    sent: list[float] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(time.perf_counter())
        return queue.pop(0)

    return httpx.Client(transport=httpx.MockTransport(handle)), sent


def _busy(retry_after: str | None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(429, headers=headers, json={"error": {"message": "server busy"}})


def test_a_client_retries_after_the_seconds_it_was_given_until_admitted() -> None:
    http, sent = _server(_busy("1"), httpx.Response(200, content=iter([b"\0" * 2400] * 2)))
    began = time.perf_counter()
    client = retrying(http, URL, b"{}", 0, began, began + 30, RetryPolicy(5, began + 20))
    assert client.stop is None and len(client.attempts) == 2 and client.admitted is not None
    assert client.admitted.received == 4800
    assert sent[1] - sent[0] >= 1.0  # waited the Retry-After
    assert client.attempts[1].offset_seconds >= 1.0 and client.attempts[0].retry_after == "1"


@pytest.mark.parametrize(
    ("answers", "policy_attempts", "window", "stop"),
    [
        ((_busy(None),), 5, 20.0, "refused with Retry-After None: no time to retry at"),
        ((_busy("0"),), 5, 20.0, "refused with Retry-After '0': no time to retry at"),
        ((_busy("1"),), 1, 20.0, "refused; not retrying"),
        ((_busy("7"),), 5, 5.0, "still refused when the last attempt was due (Retry-After 7 s)"),
        ((httpx.Response(503),), 5, 20.0, "answered 503"),
    ],
)
def test_a_client_stops_without_waiting_when_it_cannot_retry_as_told(
    answers: tuple[httpx.Response, ...], policy_attempts: int, window: float, stop: str
) -> None:
    http, sent = _server(*answers)
    began = time.perf_counter()
    client = retrying(http, URL, b"{}", 4, began, began + 30, RetryPolicy(policy_attempts, began + window))
    assert client.stop == stop and len(sent) == 1 and client.admitted is None
    assert time.perf_counter() - began < 1.0
