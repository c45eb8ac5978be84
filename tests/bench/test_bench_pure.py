"""The benchmark's pure parts: statistics, audio length, targets, Markdown and docs rendering.

No server is started and nothing is timed here; the harness itself runs as `python -m bench`.
"""

from __future__ import annotations

import copy
import io
import json
import wave
from typing import Any

import httpx
import pytest

from bench import docs
from bench.audio_length import pcm_seconds, wav_seconds
from bench.clients import timed_request
from bench.main import QUICK, build_parser, plan_from
from bench.report import render
from bench.serving.servers import Warmtts
from bench.stats import median, percentile, ratio, summary
from bench.targets import Target, evaluate, ratios
from bench.texts import CASES
from warmtts.cli import build_parser as warmtts_parser


def test_percentile_interpolates_like_numpy() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert median(values) == pytest.approx(2.5)
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_ratio_and_summary_handle_missing_figures() -> None:
    assert ratio(1.0, 4.0) == 0.25
    assert ratio(None, 4.0) is None
    assert ratio(1.0, 0.0) is None
    assert summary([]) == {"n": 0, "p50": None, "p95": None, "min": None, "max": None}
    assert summary([1.0, 3.0])["p50"] == 2.0


def test_wav_seconds_from_header_and_length() -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(bytes(2 * 22050 * 3))
    body = buffer.getvalue()
    assert wav_seconds(body[:256], len(body)) == pytest.approx(3.0)
    assert pcm_seconds(48000, 24000) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        wav_seconds(b"not a wav file at all, no", 100)


def _level(clients: int, p95: float, throughput: float, errors: int = 0) -> dict[str, Any]:
    return {
        "clients": clients,
        "requests": 8,
        "errors": errors,
        "error_examples": ["HTTP 429"] if errors else [],
        "ttfa": {"n": 8, "p50": p95 / 2, "p95": p95, "min": 0.1, "max": p95},
        "total": {"n": 8, "p50": 1.0, "p95": 2.0, "min": 0.5, "max": 2.0},
        "audio_seconds": throughput * 10,
        "wall_seconds": 10.0,
        "throughput": throughput,
    }


def _timing(ttfa: float, total: float, rtf: float = 0.04) -> dict[str, Any]:
    return {
        "ttfa": {"n": 5, "p50": ttfa, "p95": ttfa * 1.1, "min": ttfa, "max": ttfa * 1.2},
        "total": {"n": 5, "p50": total, "p95": total, "min": total, "max": total},
        "audio_seconds": total / rtf,
        "rtf": rtf,
        "errors": 0,
        "error_examples": [],
    }


def _server(
    ready: float,
    warm: dict[str, float],
    first: dict[str, float],
    load: dict[str, list[Any]],
    rss: float,
    rtf: dict[str, float],
    wire_format: str | None = None,
) -> dict[str, Any]:
    """A server's result in the shape `measure_server` gives; each total is three times its TTFA."""
    return {
        "startup": {
            "launches": 5,
            "ready_seconds": {"n": 5, "p50": ready, "p95": ready, "min": ready, "max": ready},
            "preload_total_seconds": ready - 0.2,
            "preload_steps": {"imports": 0.5} if "zh-sentence" in warm else {},
            "rss_after_ready_mb": {"n": 5, "p50": rss, "p95": rss, "min": rss, "max": rss},
        },
        "first_request": {case: _timing(value, value * 3) for case, value in first.items()},
        "warm": {case: _timing(value, value * 3) for case, value in warm.items()},
        "wire_formats": {c.id: wire_format or c.format for c in CASES if c.id in warm},
        "rtf": rtf,
        "concurrency": load,
        "memory": {"rss_after_ready_mb": rss, "peak_rss_mb": rss * 1.5, "samples": 10},
    }


OUR_WARM = {
    "zh-sentence": 0.05,
    "zh-paragraph": 0.055,
    "en-short": 0.05,
    "en-sentence": 0.06,
    "en-long-clause": 0.06,
    "en-long": 0.06,
    "en-paragraph": 0.09,
    "en-sentence-mp3": 0.065,
    "en-sentence-opus": 0.07,
    "zh-sentence-mp3": 0.07,
}
PIPER_WARM = {"en-short": 0.045, "en-sentence": 0.5, "en-long-clause": 0.4, "en-long": 0.6, "en-paragraph": 4.0}


def fixed_result(with_piper: bool = True) -> dict[str, Any]:
    first = {case: value * 1.1 for case, value in OUR_WARM.items()} | {"en-sentence": 0.1}
    ours = _server(
        2.0,
        OUR_WARM,
        first,
        {
            "zh": [_level(4, 0.2, 20.0), _level(8, 0.4, 22.0)],
            "en": [_level(4, 0.2, 18.0), _level(8, 0.45, 19.0, errors=1)],
            "en-mp3": [_level(4, 0.25, 15.0)],
        },
        420.0,
        {"zh-baker": 0.03, "en-joe": 0.06},
    )
    servers = {"warmtts": ours}
    if with_piper:
        servers["piper"] = _server(
            1.5,
            PIPER_WARM,
            {case: value * 1.2 for case, value in PIPER_WARM.items()},
            {"en": [_level(4, 1.0, 16.0), _level(8, 2.0, 15.0)]},
            150.0,
            {"en-joe": 0.1},
            wire_format="wav",
        )
    return {
        "meta": {
            "command": "python -m bench --quick",
            "started": "2026-11-25T15:00:00+00:00",
            "duration_seconds": 12.0,
            "machine": {
                "cpu": "Test CPU",
                "cores": 2,
                "memory_gib": 4.0,
                "os": "Linux",
                "python": "3.11",
                "onnxruntime": "1",
                "piper-tts": "1.8.0",
            },
        },
        "servers": servers,
    }


def _statuses(targets: list[Target]) -> dict[str, str]:
    return {t.name: t.status for t in targets}


def test_the_issue_targets_pass_and_miss_from_a_fixed_result() -> None:
    targets = evaluate(fixed_result())
    statuses = _statuses(targets)
    assert len(statuses) == len(targets)  # no two lines share a name
    # warm TTFA / Piper's full response (its total is 3 × its TTFA): 0.05 / 0.135 = 0.37; 0.06 / 1.8 = 0.03
    assert statuses["warm TTFA ≤ 0.3 × Piper's full response (en-short)"] == "MISS"
    for case in ("en-sentence", "en-long-clause", "en-long", "en-paragraph"):
        assert statuses[f"warm TTFA ≤ 0.3 × Piper's full response ({case})"] == "PASS"
    assert statuses["zh-sentence TTFA no slower than en-sentence's"] == "PASS"
    assert statuses["TTFA flat in length: en-long ≤ 1.3 × en-short"] == "PASS"  # 1.2
    assert statuses["paragraph TTFA ≤ 1.2 × sentence's (en)"] == "MISS"  # 1.5
    assert statuses["paragraph TTFA ≤ 1.2 × sentence's (zh)"] == "PASS"  # 1.1
    assert statuses["first-request TTFA ≤ 1.2 × warm TTFA (zh-sentence-mp3)"] == "PASS"  # 1.1
    assert statuses["first-request TTFA ≤ 1.2 × warm TTFA (en-sentence)"] == "MISS"  # 1.67
    # one client: our total 0.15 against Piper's 0.135 for en-short; 0.18 against 1.5 for en-sentence
    assert statuses["one client: full response ≤ 1.0 × Piper's (en-short)"] == "MISS"
    assert statuses["one client: full response ≤ 1.0 × Piper's (en-long)"] == "PASS"
    assert statuses["RTF ≤ 0.05 (zh-baker)"] == "PASS"
    assert statuses["RTF ≤ 0.05 (en-joe)"] == "MISS"
    assert statuses["throughput at 4 clients ≥ 1.2 × Piper's"] == "MISS"  # 18 / 16 = 1.125
    assert statuses["8 clients: TTFA p95 ≤ 0.25 × Piper's"] == "PASS"  # 0.45 / 2.0 = 0.225
    assert statuses["8 clients: no errors (zh and en)"] == "MISS"
    assert statuses["launch → ready ≤ 2.0 × Piper's (its first answer)"] == "PASS"  # 1.33
    assert statuses["RSS after ready ≤ 450 MB"] == "PASS"
    assert statuses["mp3 TTFA ≤ 1.2 × pcm TTFA (en-sentence)"] == "PASS"  # 1.08
    assert statuses["mp3 TTFA ≤ 1.2 × pcm TTFA (zh-sentence)"] == "MISS"  # 1.4
    assert not any(name.startswith("mp3 TTFA") and "opus" in name for name in statuses)
    rows = ratios(fixed_result())
    assert rows["throughput@4"] == pytest.approx(1.125) and rows["ttfa_p95@8"] == pytest.approx(0.225)
    assert rows["ttfa_vs_full:en-long"] == pytest.approx(0.06 / 1.8)
    markdown = render(fixed_result())
    assert "| throughput at 4 clients | 1.12 |" in markdown
    assert "| TTFA p95 at 8 clients | 0.23 |" in markdown
    assert "| warm TTFA p50 / Piper's full response p50 (en-short) | 0.37 |" in markdown


def test_the_same_result_misses_once_its_figures_cross_the_limits() -> None:
    result = copy.deepcopy(fixed_result())
    ours = result["servers"]["warmtts"]
    ours["warm"]["en-long"]["ttfa"]["p50"] = 0.08  # 1.6 × en-short
    ours["concurrency"]["en"][1]["ttfa"]["p95"] = 0.6  # 0.3 × Piper's
    ours["startup"]["ready_seconds"]["p50"] = 3.5  # 2.33 × Piper's
    ours["memory"]["rss_after_ready_mb"] = 460.0
    statuses = _statuses(evaluate(result))
    assert statuses["TTFA flat in length: en-long ≤ 1.3 × en-short"] == "MISS"
    assert statuses["8 clients: TTFA p95 ≤ 0.25 × Piper's"] == "MISS"
    assert statuses["launch → ready ≤ 2.0 × Piper's (its first answer)"] == "MISS"
    assert statuses["RSS after ready ≤ 450 MB"] == "MISS"
    del ours["warm"]["en-sentence-mp3"]
    assert _statuses(evaluate(result))["mp3 TTFA ≤ 1.2 × pcm TTFA (en-sentence)"] == "N/A"


def test_targets_that_need_piper_are_not_applicable_without_it() -> None:
    statuses = _statuses(evaluate(fixed_result(with_piper=False)))
    assert statuses["launch → ready ≤ 2.0 × Piper's (its first answer)"] == "N/A"
    assert statuses["throughput at 4 clients ≥ 1.2 × Piper's"] == "N/A"
    assert statuses["warm TTFA ≤ 0.3 × Piper's full response (en-long)"] == "N/A"
    assert statuses["RTF ≤ 0.05 (zh-baker)"] == "PASS"
    assert statuses["TTFA flat in length: en-long ≤ 1.3 × en-short"] == "PASS"


def test_markdown_has_target_lines_and_every_table() -> None:
    markdown = render(fixed_result())
    assert "- **PASS** launch → ready ≤ 2.0 × Piper's (its first answer): 1.33× (target ≤ 2×)" in markdown
    assert "- **MISS** 8 clients: no errors (zh and en): 1 errors (target ≤ 0 errors)" in markdown
    assert "- **PASS** RSS after ready ≤ 450 MB: 420 MB (target ≤ 450 MB)" in markdown
    assert "| en-sentence | piper | wav | 106 | 0.600 | 0.500 | 0.550 | 1.500 |" in markdown
    assert "| en-sentence-opus | warmtts | opus | 106 | 0.077 | 0.070 | 0.077 | 0.210 |" in markdown
    assert "| en-long | warmtts | pcm | 160 |" in markdown and "| en-long-clause | piper | wav | 87 |" in markdown
    assert "| zh-sentence | piper |" not in markdown and "| en-sentence-mp3 | piper |" not in markdown
    assert "| warmtts | en | 8 | 8 | 1 | 0.225 | 0.450 | 1.000 | 19.00 |" in markdown
    assert "| warmtts | en-mp3 | 4 | 8 | 0 | 0.125 | 0.250 | 1.000 | 15.00 |" in markdown
    assert "15.00 audio s / s in mp3, 18.00 in pcm (mp3 / pcm 0.83)" in markdown
    assert "| `imports` | 0.500 |" in markdown
    assert "- warmtts (en, 8 clients): HTTP 429" in markdown
    for heading in (
        "### Start-up",
        "### Time to first audio",
        "### Real-time factor",
        "### Concurrency",
        "### Memory",
        "### warmtts / Piper",
    ):
        assert heading in markdown


def test_docs_section_replaces_only_between_markers() -> None:
    document = f"# Benchmarks\n\nprose before\n\n{docs.BEGIN}\nold table\n{docs.END}\n\nprose after\n"
    updated = docs.replace_between(document, docs.section(fixed_result(), "../bench/results/benchmark.png"))
    assert "old table" not in updated
    assert updated.startswith("# Benchmarks\n\nprose before\n") and updated.endswith("prose after\n")
    assert "python -m bench --quick" in updated and "Test CPU, 2 cores, 4.0 GiB" in updated
    assert "![TTFA and throughput against concurrent clients](../bench/results/benchmark.png)" in updated
    assert "#### Targets" in updated and "\n### " not in updated
    with pytest.raises(ValueError):
        docs.replace_between("no markers", "x")


def test_flags_build_the_plan_and_warmtts_bench_passes_them_through() -> None:
    assert plan_from(build_parser().parse_args(["--quick"])) == QUICK
    plan = plan_from(build_parser().parse_args(["--concurrency", "2,8", "--launches", "3"]))
    assert plan.concurrency == (2, 8) and plan.launches == 3 and plan.warm_requests == 20
    args = warmtts_parser().parse_args(["bench", "--quick", "--skip-piper", "--out", "x"])
    assert args.bench_args == ["--quick", "--skip-piper", "--out", "x"]


def _mock_client(status: int, body: bytes, headers: dict[str, str]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/audio/speech"
        assert json.loads(request.content)["response_format"] == "pcm"
        return httpx.Response(status, stream=httpx.ByteStream(body), headers=headers)

    return httpx.Client(transport=httpx.MockTransport(answer))


def test_timed_request_counts_audio_and_reports_failures() -> None:
    case = CASES[0]
    with _mock_client(200, bytes(48000), {"X-Sample-Rate": "24000"}) as client:
        sample = timed_request(client, "http://bench.invalid", Warmtts(), case)
    assert sample.ok and sample.audio_seconds == pytest.approx(1.0) and sample.case == "zh-sentence"
    assert sample.ttfa is not None and sample.total is not None and sample.ttfa <= sample.total
    with _mock_client(429, b'{"detail": "busy"}', {}) as client:
        assert timed_request(client, "http://bench.invalid", Warmtts(), case).error == "HTTP 429"
    with _mock_client(200, bytes(100), {}) as client:
        failed = timed_request(client, "http://bench.invalid", Warmtts(), case)
    assert not failed.ok and failed.error is not None and "unreadable audio" in failed.error
