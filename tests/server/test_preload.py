"""Readiness: the port answers while preload runs; synthesis waits for nothing, it gets 503."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.server.conftest import start_server, stop_server


def test_not_ready_while_preloading_then_ready_with_timings(tmp_path: Path) -> None:
    server = start_server(tmp_path, WARMTTS_PRELOAD_DELAY_SECONDS="3")
    try:
        health = server.wait("/health", 200)
        assert health.json() == {"status": "ok", "preload": "loading", "draining": False}
        ready = httpx.get(server.url + "/ready")
        assert ready.status_code == 503 and ready.headers["Retry-After"] == "1"
        assert ready.json()["status"] == "loading"
        early = httpx.post(server.url + "/v1/audio/speech", json={"input": "你好", "voice": "auto"}, timeout=5)
        assert early.status_code == 503 and early.headers["Retry-After"] == "1"
        assert "not ready" in early.json()["error"]["message"]

        ready = server.wait("/ready", 200).json()
        steps = ready["preload"]["steps"]
        assert {
            "delay", "imports", "g2p", "jieba+pypinyin", "voice:zh-baker", "voice:en-joe", "loudness:zh-baker",
            "loudness:en-joe", "warmup:zh-baker",
        } <= set(steps)
        assert steps["delay"] >= 3.0
        assert httpx.get(server.url + "/health").json()["preload"] == "ready"
    finally:
        stop_server(server)
    lines = server.log.read_text()
    assert re.search(r"preload step=voice:zh-baker seconds=\d+\.\d{3}", lines)
    assert re.search(r"preload state=ready steps=\d+ seconds=\d+\.\d{3}", lines)


def test_failed_preload_exits_non_zero(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "broken.onnx").write_bytes(b"not a model")
    (voices / "broken.onnx.json").write_text("{}")
    server = start_server(tmp_path, WARMTTS_VOICES_DIR=str(voices))
    assert server.process.wait(timeout=60) == 1
    assert re.search(r"preload step=voice:broken failed", server.log.read_text())
