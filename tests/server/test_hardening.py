"""Bad input, overload, disconnects, shutdown and access control, against real servers."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from tests.server.conftest import Server, start_server, stop_server

LONG_ZH = "春天来了，花园里的花都开了，小鸟在树上唱歌。" * 15
# Long enough that the socket buffers cannot swallow the whole answer while a client waits.
VERY_LONG_ZH = LONG_ZH * 6


def metric(server: Server, name: str) -> float:
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


def poll(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def fresh_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    server = start_server(tmp_path, **getattr(request, "param", {}))
    try:
        server.wait("/ready", 200)
        yield server
    finally:
        stop_server(server)


# --- bad input ------------------------------------------------------------------------------

def raw_post(server: Server, body: bytes, content_type: str) -> httpx.Response:
    return httpx.post(server.url + "/v1/audio/speech", content=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"input": "hi"', "application/json", "JSON decode error"),
        (b"input=hi", "application/x-www-form-urlencoded", "send a JSON body with Content-Type: application/json"),
        (b'{"input": "\xff\xfe bad"}', "application/json", "body is not valid UTF-8 JSON"),
        (b"[1, 2]", "application/json", "Input should be a valid dictionary"),
        (b'{"input": 5}', "application/json", "input: Input should be a valid string"),
    ],
)
def test_malformed_bodies_get_400(server: Server, body: bytes, content_type: str, message: str) -> None:
    response = raw_post(server, body, content_type)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_hostile_text_is_spoken_or_refused_never_500(server: Server) -> None:
    nothing = httpx.post(server.url + "/v1/audio/speech", json={"input": "😀\b…"}, timeout=10)
    assert nothing.status_code == 400 and "nothing to speak" in nothing.json()["error"]["message"]
    for text in ["😀 ok" * 20, "\x00\x07\x1b[31m", "1" * 300, "「『《你好》』」" * 10, "日本語とрусскийとالعربية", "a" * 500]:
        response = httpx.post(server.url + "/v1/audio/speech", json={"input": text, "response_format": "pcm"}, timeout=60)
        assert response.status_code == 200, (text, response.text)


# --- overload, time limit, disconnect ---------------------------------------------------------

@pytest.mark.parametrize("fresh_server", [{"WARMTTS_WORKERS": "1", "WARMTTS_MAX_QUEUE": "1"}], indirect=True)
def test_overload_is_refused_at_once_with_retry_after(fresh_server: Server) -> None:
    client = httpx.Client(timeout=60)
    streams = [client.stream("POST", fresh_server.url + "/v1/audio/speech", json={"input": VERY_LONG_ZH, "response_format": "pcm"})
               for _ in range(2)]
    responses = [s.__enter__() for s in streams]
    bodies = [r.iter_raw() for r in responses]  # keep them: a dropped iterator closes its response
    try:
        for response, body in zip(responses, bodies):
            assert response.status_code == 200
            next(body)
        refused = httpx.post(fresh_server.url + "/v1/audio/speech", json={"input": "你好"}, timeout=10)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert "server busy" in refused.json()["error"]["message"]
    finally:
        for stream in streams:
            stream.__exit__(None, None, None)
        client.close()
    assert poll(lambda: metric(fresh_server, "warmtts_requests_in_flight") == 0, 10)
    assert httpx.post(fresh_server.url + "/v1/audio/speech", json={"input": "你好"}, timeout=30).status_code == 200


@pytest.mark.parametrize("fresh_server", [{"WARMTTS_REQUEST_TIMEOUT_SECONDS": "0.3"}], indirect=True)
def test_runaway_synthesis_ends_with_a_clear_error(fresh_server: Server) -> None:
    response = httpx.post(fresh_server.url + "/tts", json={"text": LONG_ZH}, timeout=60)
    assert response.status_code == 503
    assert "time limit of 0.3 s" in response.json()["error"]["message"]
    assert poll(lambda: metric(fresh_server, "warmtts_requests_in_flight") == 0, 5)


def test_disconnect_cancels_the_synthesis(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as sock:
        body = ('{"input": "%s", "response_format": "pcm"}' % (LONG_ZH * 3)).encode()
        sock.sendall(b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert b"200 OK" in sock.recv(4096)
        assert poll(lambda: metric(server, "warmtts_requests_in_flight") == 1, 10)
    # The whole text would take a minute; once the client is gone, work stops within a piece
    # or two (well under a second on an idle machine; the deadline leaves room for a busy one).
    assert poll(lambda: metric(server, "warmtts_requests_in_flight") == 0, 3.0)
    assert poll(lambda: metric(server, "warmtts_synthesis_workers_busy") == 0, 3.0)
    assert "complete=False" in server.log.read_text()


# --- shutdown -------------------------------------------------------------------------------

def test_sigterm_drains_streams_then_exits_zero(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        server.wait("/ready", 200)
        request = {"input": LONG_ZH, "response_format": "pcm", "voice": "zh-baker"}
        reference = httpx.post(server.url + "/v1/audio/speech", json=request, timeout=120).content
        with httpx.stream("POST", server.url + "/v1/audio/speech", json=request, timeout=120) as response:
            body = response.iter_raw()
            received = next(body)
            server.process.send_signal(signal.SIGTERM)
            ready = httpx.get(server.url + "/ready")
            assert ready.status_code == 503 and ready.json()["status"] == "draining"
            refused = httpx.post(server.url + "/v1/audio/speech", json={"input": "你好"}, timeout=10)
            assert refused.status_code == 503 and "shutting down" in refused.json()["error"]["message"]
            received += b"".join(body)
        assert received == reference  # zh-baker is deterministic: nothing was lost
        assert server.process.wait(timeout=30) == 0
    finally:
        stop_server(server)
    assert "shutdown drained=True" in server.log.read_text()


# --- access ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "fresh_server", [{"WARMTTS_API_KEY": "s3cret", "WARMTTS_CORS_ORIGINS": '["http://app.example"]'}], indirect=True
)
def test_api_key_and_cors(fresh_server: Server) -> None:
    url = fresh_server.url
    missing = httpx.post(url + "/v1/audio/speech", json={"input": "hi"})
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    wrong = httpx.post(url + "/tts", json={"text": "hi"}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    for path in ("/health", "/ready", "/metrics"):
        assert httpx.get(url + path).status_code == 200
    client = OpenAI(base_url=url + "/v1", api_key="s3cret", max_retries=0)
    assert len(client.audio.speech.create(model="tts-1", voice="alloy", input="hi", response_format="wav").content) > 1000
    made = httpx.post(url + "/tts", json={"text": "hi"}, headers={"Authorization": "Bearer s3cret"}).json()
    assert httpx.get(url + made["audio_url"]).status_code == 401
    assert httpx.get(url + made["audio_url"], headers={"Authorization": "Bearer s3cret"}).status_code == 200

    preflight = {"Origin": "http://app.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    allowed = httpx.options(url + "/v1/audio/speech", headers=preflight)
    assert allowed.headers.get("access-control-allow-origin") == "http://app.example"
    other = httpx.options(url + "/v1/audio/speech", headers=preflight | {"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_cors_is_closed_by_default(server: Server) -> None:
    response = httpx.get(server.url + "/v1/models", headers={"Origin": "http://app.example"})
    assert "access-control-allow-origin" not in response.headers
