"""The benchmark's pure parts: statistics, audio length, targets, Markdown and docs rendering.

No server is started and nothing is timed here; the harness itself runs as `python -m bench`.
"""

from __future__ import annotations

import io
import json
import wave
from typing import Any

import httpx
import pytest

from bench import docs
from bench.clients import timed_request
from bench.main import QUICK, build_parser, plan_from
from bench.report import render
from bench.serving.servers import Warmtts, pcm_seconds, wav_seconds
from bench.stats import median, percentile, ratio, summary
from bench.targets import evaluate, ratios
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
) -> dict[str, Any]:
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
        "rtf": rtf,
        "concurrency": load,
        "memory": {"rss_after_ready_mb": rss, "peak_rss_mb": rss * 1.5, "samples": 10},
    }


def fixed_result(with_piper: bool = True) -> dict[str, Any]:
    warm = {"zh-sentence": 0.05, "zh-paragraph": 0.055, "en-sentence": 0.06, "en-paragraph": 0.09}
    first = {"zh-sentence": 0.055, "zh-paragraph": 0.06, "en-sentence": 0.1, "en-paragraph": 0.1}
    ours = _server(
        2.0,
        warm,
        first,
        {
            "zh": [_level(4, 0.2, 20.0), _level(8, 0.4, 22.0)],
            "en": [_level(4, 0.2, 18.0), _level(8, 0.3, 19.0, errors=1)],
        },
        420.0,
        {"zh-baker": 0.03, "en-joe": 0.06},
    )
    servers = {"warmtts": ours}
    if with_piper:
        servers["piper"] = _server(
            1.5,
            {"en-sentence": 0.5, "en-paragraph": 4.0},
            {"en-sentence": 0.6, "en-paragraph": 4.2},
            {"en": [_level(4, 1.0, 15.0), _level(8, 2.0, 15.0)]},
            150.0,
            {"en-joe": 0.1},
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


def test_targets_pass_and_miss_from_a_fixed_result() -> None:
    statuses = {t.name: t.status for t in evaluate(fixed_result())}
    assert statuses["ready ≤ 1.5 × Piper's launch → first answer"] == "PASS"  # 2.0 / 1.5 = 1.33
    assert statuses["first-request TTFA ≤ 1.2 × warm TTFA (zh-sentence)"] == "PASS"  # 1.1
    assert statuses["first-request TTFA ≤ 1.2 × warm TTFA (en-sentence)"] == "MISS"  # 1.67
    assert statuses["warm TTFA ≤ 0.3 × Piper's (en-sentence)"] == "PASS"  # 0.12
    assert statuses["zh-sentence TTFA no slower than en-sentence's"] == "PASS"
    assert statuses["paragraph TTFA ≤ 1.2 × sentence's (en)"] == "MISS"  # 1.5
    assert statuses["RTF ≤ 0.05 (zh-baker)"] == "PASS"
    assert statuses["RTF ≤ 0.05 (en-joe)"] == "MISS"
    assert statuses["8 clients: TTFA p95 ≤ 0.2 × Piper's"] == "PASS"  # 0.15
    assert statuses["8 clients: no errors (zh and en)"] == "MISS"
    assert statuses["throughput at 4 clients ≥ 1.1 × Piper's"] == "PASS"  # 1.2
    assert statuses["RSS after ready ≤ 500 MB"] == "PASS"
    assert ratios(fixed_result())["throughput@4"] == pytest.approx(1.2)
    assert "| throughput at 4 clients | 1.20 |" in render(fixed_result())
    assert "| warm TTFA p50 (en-sentence) | 0.12 |" in render(fixed_result())


def test_targets_that_need_piper_are_not_applicable_without_it() -> None:
    statuses = {t.name: t.status for t in evaluate(fixed_result(with_piper=False))}
    assert statuses["ready ≤ 1.5 × Piper's launch → first answer"] == "N/A"
    assert statuses["throughput at 4 clients ≥ 1.1 × Piper's"] == "N/A"
    assert statuses["RTF ≤ 0.05 (zh-baker)"] == "PASS"


def test_markdown_has_target_lines_and_every_table() -> None:
    markdown = render(fixed_result())
    assert "- **PASS** ready ≤ 1.5 × Piper's launch → first answer: 1.33× (target ≤ 1.5×)" in markdown
    assert "- **MISS** 8 clients: no errors (zh and en): 1 errors (target ≤ 0 errors)" in markdown
    assert "| en-sentence | piper | 106 | 0.600 | 0.500 | 0.550 | 1.500 |" in markdown
    assert "| warmtts | en | 8 | 8 | 1 | 0.150 | 0.300 | 1.000 | 19.00 |" in markdown
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
