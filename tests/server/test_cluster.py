"""Two replicas behind HAProxy, sharing one S3-compatible store: under continuous client load, a
rolling restart (SIGTERM one replica, start it again, wait until the balancer has it back, then
the other) loses no request and cuts no stream."""

from __future__ import annotations

import base64
import io
import json
import queue
import threading
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import Server, free_port, start_server, stop_server
from tests.server.haproxy import LoadBalancer, haproxy_binary, running_haproxy
from tests.server.s3 import BUCKET, running_s3

pytestmark = pytest.mark.skipif(
    haproxy_binary() is None, reason="haproxy is not installed (.ci/run installs it: apt-get install haproxy)"
)

SHORT = ("你好，欢迎光临。", "Good morning, how are you today?", "今天天气很好，我们去公园散步吧。")
LONG = "在很久很久以前，有一个美丽的小村庄，村庄里住着一位善良的老人。他每天早上都会去河边散步，看看太阳慢慢升起。"
LONG_PACE = 0.1  # the long stream is read at ten times real time, like a player with a deep buffer
LOAD_CLIENTS = 2
SHED = "status 429"
LOAD_SECONDS_MAX = 240  # the load stops by itself even if the test fails half-way


@dataclass
class Tally:
    ok: dict[str, int] = field(default_factory=lambda: {"stream": 0, "tts": 0, "shed": 0})
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, error: str | None) -> None:
        """A 429 is the server shedding load with Retry-After, as designed: the client waits and
        goes on (counted apart); any other failure is a lost request."""
        with self.lock:
            if error is None:
                self.ok[kind] += 1
            elif SHED in error:
                self.ok["shed"] += 1
            else:
                self.failures.append(f"{kind}: {error}")


def sse_stream(
    client: httpx.Client, url: str, text: str, on_first_event: Callable[[str], None] | None = None, pace: float = 0.0
) -> tuple[str, str | None]:
    """One streamed request to its end: (the replica that served it, None if complete or why not).
    `on_first_event` is told the replica as soon as the first event arrives; after each piece of
    audio the reader waits `pace` seconds per second of it."""
    served_by = "?"
    try:
        body = {"input": text, "response_format": "pcm", "stream_format": "sse"}
        with client.stream("POST", url + "/v1/audio/speech", json=body, timeout=120) as response:
            served_by = response.headers.get("x-served-by", "?")
            if response.status_code != 200:
                return served_by, f"status {response.status_code}: {response.read()[:200]!r}"
            events = []
            for line in response.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    if on_first_event is not None and len(events) == 1:
                        on_first_event(served_by)
                    if pace and events[-1]["type"] == "speech.audio.delta":
                        time.sleep(pace * len(base64.b64decode(events[-1]["audio"])) / 2 / 24000)
    except httpx.HTTPError as exc:
        return served_by, f"cut: {exc!r}"
    audio = [e for e in events if e["type"] == "speech.audio.delta"]
    if not events or events[-1]["type"] != "speech.audio.done" or not audio:
        return served_by, f"incomplete: last event {events[-1] if events else None}"
    return served_by, None


def tts_then_fetch(client: httpx.Client, url: str, text: str) -> str | None:
    made = client.post(url + "/tts", json={"text": text, "format": "wav"}, timeout=120)
    if made.status_code != 200:
        return f"POST /tts status {made.status_code}: {made.text[:200]}"
    body = made.json()
    fetched = client.get(url + body["audio_url"], timeout=60)
    if fetched.status_code != 200:
        return f"GET audio_url status {fetched.status_code}: {fetched.text[:200]}"
    with wave.open(io.BytesIO(fetched.content)) as w:
        seconds = w.getnframes() / w.getframerate()
    if abs(seconds - body["duration_seconds"]) > 0.05:
        return f"audio of {seconds:.2f} s, expected {body['duration_seconds']}"
    return None


def client_load(url: str, stop: threading.Event, tally: Tally, offset: int) -> None:
    deadline = time.monotonic() + LOAD_SECONDS_MAX
    with httpx.Client() as client:
        i = offset
        while not stop.is_set() and time.monotonic() < deadline:
            text = SHORT[i % len(SHORT)]
            try:
                if i % 2:
                    error = sse_stream(client, url, text)[1]
                    tally.record("stream", error)
                else:
                    error = tts_then_fetch(client, url, text)
                    tally.record("tts", error)
            except httpx.HTTPError as exc:
                error = repr(exc)
                tally.record("tts", error)
            if error is not None and SHED in error:
                stop.wait(1.0)  # the Retry-After the server sends
            i += 1


@dataclass
class Replica:
    name: str
    port: int
    server: Server


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[LoadBalancer, dict[str, Replica], dict[str, str]]]:
    with running_s3(tmp_path) as s3:
        env = s3.env | {"WARMTTS_AUDIO_STORE_URL": f"s3://{BUCKET}/cluster"}
        replicas = {}
        for name in ("a", "b"):
            port = free_port()
            replicas[name] = Replica(name, port, start_server(tmp_path, port, **env))
        try:
            for replica in replicas.values():
                replica.server.wait("/ready", 200)
            with running_haproxy(tmp_path, {r.name: r.port for r in replicas.values()}) as balancer:
                for name in replicas:
                    balancer.wait_state(name, "UP")
                yield balancer, replicas, env
        finally:
            for replica in replicas.values():
                stop_server(replica.server)


def test_rolling_restart_loses_no_request_and_cuts_no_stream(
    cluster: tuple[LoadBalancer, dict[str, Replica], dict[str, str]], tmp_path: Path
) -> None:
    balancer, replicas, env = cluster
    tally, stop = Tally(), threading.Event()
    load = [threading.Thread(target=client_load, args=(balancer.url, stop, tally, i)) for i in range(LOAD_CLIENTS)]
    for thread in load:
        thread.start()
    in_flight: list[tuple[str, str | None]] = []
    try:
        for name, replica in replicas.items():
            reader, result = _long_stream_on(balancer, name)
            assert reader.is_alive()  # the stream is still being sent when SIGTERM arrives
            replica.server.process.terminate()  # SIGTERM: drain
            assert replica.server.process.wait(timeout=60) == 0
            reader.join(timeout=120)
            in_flight.append(result[0])
            replica.server = start_server(tmp_path, replica.port, **env)
            replica.server.wait("/ready", 200)
            balancer.wait_state(name, "UP")
    finally:
        stop.set()
        for thread in load:
            thread.join(timeout=150)
    assert [served for served, _ in in_flight] == list(replicas)  # each stream was on the replica stopped
    assert [error for _, error in in_flight] == [None, None], in_flight
    assert tally.failures == [], tally.failures
    assert tally.ok["stream"] >= 2 and tally.ok["tts"] >= 2, tally.ok  # load really ran during the restarts


def _long_stream_on(balancer: LoadBalancer, name: str) -> tuple[threading.Thread, list[tuple[str, str | None]]]:
    """A long stream through the balancer that landed on replica `name` and has begun to send."""
    for _ in range(20):
        first: queue.Queue[str] = queue.Queue()
        result: list[tuple[str, str | None]] = []

        def read() -> None:
            try:
                with httpx.Client() as client:
                    result.append(sse_stream(client, balancer.url, LONG, first.put, LONG_PACE))
            finally:
                first.put("")  # never leave the caller waiting

        reader = threading.Thread(target=read)
        reader.start()
        if first.get(timeout=120) == name:
            return reader, result
        reader.join(timeout=120)
        assert result, "the stream never ended"
        error = result[0][1]
        assert error is None or SHED in error, result
        if error is not None:
            time.sleep(1.0)  # shed with Retry-After: 1
    raise AssertionError(f"no stream landed on {name} in 20 tries")
