"""The burst's pure parts: playout deficit, per-exchange rows, the verdict and the docs sections.

No server is started; the burst itself runs as `python -m bench.burst`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import reliability_docs, soak
from bench.burst import LONG_TEXT, check_environment
from bench.burst_report import (
    Exchange,
    compact,
    failures,
    markdown,
    playout_deficit,
    retry_after_ok,
    short_row,
    summarise_burst,
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
    refused = Exchange(1, 10.0, status=429, status_seconds=0.03, retry_after="2")
    stalled = Exchange(2, 2.0, status=200, status_seconds=0.01, arrivals=[(0.1, 24000), (30.0, 24000)],
                       finished_seconds=30.0)  # first audio in time, the rest half a minute later
    result = _result([_whole(0)], shorts=[late, refused, stalled], rss_change=0.15)
    assert [row["ok"] for row in result["short_requests"]] == [False, True, False]
    assert result["short_requests"][2]["deficit_seconds"] == pytest.approx(29.4)
    assert any(r.startswith("the short request at 5 s: 200 whole, first audio 1.400 s") for r in result["failures"])
    assert any(r.startswith("RSS after the burst") for r in result["failures"])
    unanswered = short_row(Exchange(2, 2.0, error="ConnectError"), REFERENCE // 4, BPS)
    assert unanswered["ok"] is False


def test_each_run_rewrites_only_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "reliability.md"
    reliability_docs.update_section("soak", "## Load and soak\n\nfirst soak\n", doc)
    reliability_docs.update_section("burst", markdown(_result([_whole(0)])), doc)
    reliability_docs.update_section("soak", "## Load and soak\n\nsecond soak\n", doc)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Reliability\n")
    assert "second soak" in text and "first soak" not in text
    assert text.index("second soak") < text.index("## A burst of long streams") and text.count("<!-- reliability:") == 4
    doc.write_text("# Reliability: load and soak\n\nthe old single-section page\n", encoding="utf-8")
    reliability_docs.update_section("burst", "## A burst of long streams\n\nx\n", doc)
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
