"""Bad input, overload, disconnects, shutdown and access control, against real servers."""

from __future__ import annotations

import errno
import json
import select
import signal
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from tests.polling import poll
from tests.server.conftest import Server, start_server, stop_server

LONG_ZH = "春天来了，花园里的花都开了，小鸟在树上唱歌。" * 15
# Long enough that the socket buffers cannot swallow the whole answer while a client waits.
VERY_LONG_ZH = LONG_ZH * 6


def metric(server: Server, name: str) -> float:
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


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

def sse_events(response: httpx.Response) -> list[dict]:
    return [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]


# One worker whose admitted streams may use 1 % of its time: any one stream fills it (the first
# request is always admitted), so the overload rule shows in seconds.
@pytest.mark.parametrize("fresh_server", [{"WARMTTS_WORKERS": "1", "WARMTTS_MAX_LOAD": "0.01"}], indirect=True)
def test_overload_is_refused_at_once_with_retry_after_from_the_work_left(fresh_server: Server) -> None:
    url = fresh_server.url + "/v1/audio/speech"
    with httpx.stream("POST", url, json={"input": VERY_LONG_ZH, "response_format": "pcm"}, timeout=60) as admitted:
        body = admitted.iter_raw()  # keep it: a dropped iterator closes its response
        assert admitted.status_code == 200
        next(body)
        refused = httpx.post(url, json={"input": "你好"}, timeout=10)
        assert refused.status_code == 429
        assert "server at capacity" in refused.json()["error"]["message"]
        # ~3,000 characters (~12 minutes of speech) still to synthesise: more than a second.
        assert int(refused.headers["Retry-After"]) > 1
        load = metric(fresh_server, "warmtts_capacity_load")
        assert load > 0.01
    assert poll(lambda: metric(fresh_server, "warmtts_capacity_load") == 0, 10)
    assert httpx.post(url, json={"input": "你好"}, timeout=30).status_code == 200


@pytest.mark.parametrize("fresh_server", [{"WARMTTS_REQUEST_TIMEOUT_SECONDS": "0.3"}], indirect=True)
def test_a_request_past_its_time_limit_fails_where_it_is_and_says_so(fresh_server: Server) -> None:
    url = fresh_server.url
    whole = httpx.post(url + "/tts", json={"text": LONG_ZH}, timeout=60)
    assert whole.status_code == 503 and "Retry-After" not in whole.headers  # the same text would fail again
    assert "time limit of 0.3 s" in whole.json()["error"]["message"]

    request = {"input": LONG_ZH, "response_format": "pcm", "voice": "zh-baker"}
    with httpx.stream("POST", url + "/v1/audio/speech", json=request | {"stream_format": "sse"}, timeout=60) as sse:
        assert sse.status_code == 200  # the headers left before the limit was reached
        events = sse_events(sse)
    assert events[-1]["type"] == "error" and "time limit of 0.3 s" in events[-1]["error"]["message"]
    assert events[-1]["error"]["type"] == "timeout"
    assert not any(e["type"] == "speech.audio.done" for e in events)

    with httpx.stream("POST", url + "/v1/audio/speech", json=request, timeout=60) as audio:
        assert audio.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):  # cut: the client can tell it is not whole
            b"".join(audio.iter_raw())

    assert poll(lambda: metric(fresh_server, "warmtts_requests_in_flight") == 0, 5)
    outcomes = httpx.get(url + "/metrics").text
    assert 'warmtts_synthesis_outcomes_total{outcome="timeout",route="/v1/audio/speech"} 2.0' in outcomes
    assert 'warmtts_synthesis_outcomes_total{outcome="timeout",route="/tts"} 1.0' in outcomes
    log = fresh_server.log.read_text()
    assert log.count("outcome=timeout") == 3 and "route=/v1/audio/speech voice=zh-baker" in log
    assert "Traceback" not in log and "without completing response" not in log


def test_disconnect_cancels_the_synthesis(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(speech_request(LONG_ZH * 3))
        assert b"200 OK" in sock.recv(4096)
        assert poll(lambda: metric(server, "warmtts_requests_in_flight") == 1, 10)
    # The whole text would take a minute; once the client is gone, work stops within a piece
    # or two (well under a second on an idle machine; the deadline leaves room for a busy one).
    assert poll(lambda: metric(server, "warmtts_requests_in_flight") == 0, 3.0)
    assert poll(lambda: metric(server, "warmtts_synthesis_workers_busy") == 0, 3.0)
    assert poll(lambda: metric(server, "warmtts_capacity_load") == 0, 3.0)
    assert "outcome=client_gone" in server.log.read_text()


def test_disconnect_before_the_response_starts(server: Server) -> None:
    gone_before = server.log.read_text().count("outcome=client_gone")
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(speech_request(LONG_ZH * 3))
        sock.shutdown(socket.SHUT_RDWR)  # gone before reading a byte of the answer
    assert poll(lambda: server.log.read_text().count("outcome=client_gone") == gone_before + 1, 10)
    assert poll(lambda: metric(server, "warmtts_requests_in_flight") == 0, 3.0)
    assert poll(lambda: metric(server, "warmtts_capacity_load") == 0, 3.0)
    assert httpx.post(server.url + "/v1/audio/speech", json={"input": "你好"}, timeout=30).status_code == 200


@pytest.mark.parametrize("fresh_server", [{"WARMTTS_SEND_TIMEOUT_SECONDS": "1"}], indirect=True)
def test_a_client_that_stops_reading_is_dropped(fresh_server: Server) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(fresh_server.url.rsplit(":", 1)[1])))
        sock.sendall(speech_request(VERY_LONG_ZH * 2))  # ~25 minutes of speech; never read
        # The buffers fill within a few seconds of synthesis; then sending stalls for a second.
        assert poll(lambda: "reason='client read nothing for 1 s'" in fresh_server.log.read_text(), 60)
        assert poll(lambda: metric(fresh_server, "warmtts_requests_in_flight") == 0, 5)
        assert metric(fresh_server, "warmtts_capacity_load") == 0
    assert "outcome=client_gone" in fresh_server.log.read_text()
    assert httpx.post(fresh_server.url + "/v1/audio/speech", json={"input": "你好"}, timeout=30).status_code == 200


@pytest.mark.parametrize("fresh_server", [{"WARMTTS_SEND_TIMEOUT_SECONDS": "1"}], indirect=True)
def test_a_dropped_client_is_disconnected_by_the_server(fresh_server: Server) -> None:
    """The server resets the connection of a client it drops, rather than waiting for it to read
    what is queued: the client, still reading nothing, sees its connection end."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(fresh_server.url.rsplit(":", 1)[1])))
        sock.sendall(speech_request(VERY_LONG_ZH * 2))
        assert poll(lambda: "reason='client read nothing for 1 s'" in fresh_server.log.read_text(), 60)
        watcher = select.poll()
        watcher.register(sock, select.POLLRDHUP | select.POLLHUP | select.POLLERR)  # without reading
        events = watcher.poll(10_000)
        assert events and events[0][1] & (select.POLLRDHUP | select.POLLHUP | select.POLLERR), events
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == errno.ECONNRESET


def test_a_tts_client_that_leaves_cancels_its_synthesis_and_keeps_no_file(tmp_path: Path) -> None:
    store = tmp_path / "store"
    server = start_server(tmp_path, WARMTTS_AUDIO_STORE_URL=store.as_uri())
    try:
        server.wait("/ready", 200)
        body = json.dumps({"text": VERY_LONG_ZH}).encode()  # minutes of synthesis if left to run
        with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as sock:
            sock.sendall(b"POST /tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            assert poll(lambda: metric(server, "warmtts_requests_in_flight") == 1, 10)
            assert poll(lambda: metric(server, "warmtts_synthesis_workers_busy") >= 1, 10)
        assert poll(lambda: metric(server, "warmtts_requests_in_flight") == 0, 3.0)
        assert poll(lambda: metric(server, "warmtts_synthesis_workers_busy") == 0, 3.0)
        outcomes = httpx.get(server.url + "/metrics").text
        assert 'warmtts_synthesis_outcomes_total{outcome="client_gone",route="/tts"} 1.0' in outcomes
        assert 'warmtts_requests_total{route="/tts",status="499"} 1.0' in outcomes
        assert list(store.iterdir()) == []
        made = httpx.post(server.url + "/tts", json={"text": "你好"}, timeout=30)  # the store works
        assert made.status_code == 200 and len(list(store.iterdir())) == 2  # audio and subtitles
    finally:
        stop_server(server)
    log = server.log.read_text()
    assert "route=/tts" in log and "outcome=client_gone" in log and "Traceback" not in log


def speech_request(text: str) -> bytes:
    body = ('{"input": "%s", "response_format": "pcm"}' % text).encode()
    return (b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


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


def test_streams_cut_when_the_grace_runs_out_are_the_servers_cut(tmp_path: Path) -> None:
    """Both clients read to the end, so each cut is the server's: the SSE stream ends with an
    error event that says so, the audio stream is cut, both are counted as `shutdown` (not as
    clients that went away), and the process still exits 0."""
    # Admission set wide open: both streams are admitted however busy the machine is.
    server = start_server(tmp_path, WARMTTS_SHUTDOWN_GRACE_SECONDS="1", WARMTTS_MAX_LOAD="1",
                          WARMTTS_MAX_FIRST_AUDIO_SECONDS="60", WARMTTS_WORKERS="2")
    try:
        server.wait("/ready", 200)
        url = server.url + "/v1/audio/speech"
        request = {"input": LONG_ZH, "response_format": "pcm", "voice": "zh-baker"}  # ~15 s of synthesis each
        with httpx.Client(timeout=120) as one, httpx.Client(timeout=120) as other, \
                one.stream("POST", url, json=request) as audio, \
                other.stream("POST", url, json=request | {"stream_format": "sse"}) as sse:
            assert audio.status_code == sse.status_code == 200
            audio_body, sse_lines = audio.iter_raw(), sse.iter_lines()
            next(audio_body)
            next(sse_lines)
            server.process.send_signal(signal.SIGTERM)

            def read_audio() -> None:
                with pytest.raises(httpx.RemoteProtocolError):  # cut: the client can tell it is not whole
                    for _ in audio_body:
                        pass

            with ThreadPoolExecutor(2) as pool:
                cut = pool.submit(read_audio)
                events = pool.submit(lambda: [json.loads(line[6:]) for line in sse_lines if line.startswith("data: ")])
                cut.result()
                sse_events = events.result()
        assert sse_events[-1]["type"] == "error" and "shutting down" in sse_events[-1]["error"]["message"]
        assert not any(e["type"] == "speech.audio.done" for e in sse_events)
        assert server.process.wait(timeout=30) == 0
    finally:
        stop_server(server)
    log = server.log.read_text()
    assert "shutdown drained=False in_flight=2" in log and "shutdown cut in_flight=0" in log
    assert log.count("outcome=shutdown") == 2 and "outcome=client_gone" not in log, log[-2000:]
    assert "Traceback" not in log


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
    assert httpx.get(url + made["subtitles_url"]).status_code == 401
    cross = httpx.post(url + "/v1/audio/speech", json={"input": "<speak><emphasis>hi</emphasis></speak>"},
                       headers={"Authorization": "Bearer s3cret", "Origin": "http://app.example"})
    assert cross.headers["X-SSML-Ignored-Tags"] == "emphasis"  # and a page on that origin may read it
    assert "X-SSML-Ignored-Tags" in cross.headers["access-control-expose-headers"]

    preflight = {"Origin": "http://app.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    allowed = httpx.options(url + "/v1/audio/speech", headers=preflight)
    assert allowed.headers.get("access-control-allow-origin") == "http://app.example"
    other = httpx.options(url + "/v1/audio/speech", headers=preflight | {"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_cors_is_closed_by_default(server: Server) -> None:
    response = httpx.get(server.url + "/v1/models", headers={"Origin": "http://app.example"})
    assert "access-control-allow-origin" not in response.headers
