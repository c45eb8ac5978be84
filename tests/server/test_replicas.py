"""Two replicas sharing one S3-compatible store (moto's server on loopback): a file made on one
is served by the other, and a store that stops answers 503, never 500, while streaming goes on."""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.polling import poll
from tests.server.conftest import Server, start_server, stop_server
from tests.server.s3 import BUCKET, S3Server, running_s3

KEY = "replica-key"


@dataclass
class Cluster:
    s3: S3Server
    a: Server
    b: Server


def _store_env(s3: S3Server, **extra: str) -> dict[str, str]:
    return s3.env | {
        "WARMTTS_AUDIO_STORE_URL": f"s3://{BUCKET}/clips",
        "WARMTTS_AUDIO_STORE_CHECK_INTERVAL_SECONDS": "0.5",
        "WARMTTS_API_KEY": KEY,
    } | extra


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("replicas")
    with running_s3(tmp) as s3:
        a = start_server(tmp, **_store_env(s3))
        b = start_server(tmp, **_store_env(s3, WARMTTS_AUDIO_URL_MODE="presigned"))
        try:
            a.wait("/ready", 200)
            b.wait("/ready", 200)
            yield Cluster(s3, a, b)
        finally:
            stop_server(a)
            stop_server(b)


AUTH = {"Authorization": f"Bearer {KEY}"}


def _tts(server: Server, text: str = "你好，世界。") -> httpx.Response:
    return httpx.post(server.url + "/tts", json={"text": text, "format": "wav"}, headers=AUTH, timeout=60)


def _seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def test_a_file_made_on_one_replica_is_served_by_the_other(cluster: Cluster) -> None:
    made = _tts(cluster.a)
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["audio_url"].startswith("/audio/")
    from_b = httpx.get(cluster.b.url + body["audio_url"], headers=AUTH, timeout=30)
    from_a = httpx.get(cluster.a.url + body["audio_url"], headers=AUTH, timeout=30)
    assert from_b.status_code == 200 and from_b.headers["content-type"] == "audio/wav"
    assert from_b.content == from_a.content
    assert _seconds(from_b.content) == pytest.approx(body["duration_seconds"], abs=0.05)
    assert httpx.get(cluster.b.url + body["audio_url"], timeout=30).status_code == 401  # behind the same key
    name = body["audio_url"].removeprefix("/audio/")
    assert [o["Key"] for o in cluster.s3.client().list_objects_v2(Bucket=BUCKET, Prefix="clips/")["Contents"]
            if o["Key"].endswith(name)] == [f"clips/{name}"]


def test_presigned_mode_hands_out_a_url_of_the_store_itself(cluster: Cluster) -> None:
    made = _tts(cluster.b, "Presigned.")
    assert made.status_code == 200, made.text
    url = made.json()["audio_url"]
    assert url.startswith(cluster.s3.endpoint + f"/{BUCKET}/clips/") and "Signature=" in url
    fetched = httpx.get(url, timeout=30)  # no API key: the signature is the permission
    assert fetched.status_code == 200 and _seconds(fetched.content) > 0.3
    name = url.split("?")[0].rsplit("/", 1)[1]
    assert httpx.get(cluster.a.url + f"/audio/{name}", headers=AUTH, timeout=30).content == fetched.content


def test_the_store_stopped_mid_run_gives_503_never_500_and_streaming_goes_on(cluster: Cluster, tmp_path: Path) -> None:
    kept = _tts(cluster.a).json()["audio_url"]
    cluster.s3.stop()
    try:
        refused = _tts(cluster.a)  # whether the check or the write notices first: 503 with Retry-After
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "1" and "audio store" in refused.json()["error"]["message"]
        gone = httpx.get(cluster.b.url + kept, headers=AUTH, timeout=30)
        assert gone.status_code == 503 and "audio store" in gone.json()["error"]["message"]
        assert poll(lambda: httpx.get(cluster.b.url + "/ready").json()["store"]["state"] == "unavailable", 10)
        for server in (cluster.a, cluster.b):
            ready = httpx.get(server.url + "/ready")
            assert ready.status_code == 200 and ready.json()["store"]["state"] == "unavailable"
            metrics = httpx.get(server.url + "/metrics").text
            assert "warmtts_audio_store_up 0.0" in metrics
            speech = httpx.post(server.url + "/v1/audio/speech", json={"input": "还能说话。", "response_format": "wav"},
                                headers=AUTH, timeout=60)
            assert speech.status_code == 200 and _seconds(speech.content) > 0.5
            fast = _tts(server)
            assert fast.status_code == 503 and "retry shortly" in fast.json()["error"]["message"]
        kept_stream = httpx.post(  # a stream that would also keep a copy still plays, without an audio_url
            cluster.a.url + "/v1/audio/speech", headers=AUTH, timeout=60,
            json={"input": "你好。", "stream_format": "sse", "download_format": "mp3"},
        )
        events = [json.loads(line[6:]) for line in kept_stream.text.splitlines() if line.startswith("data: ")]
        assert kept_stream.status_code == 200 and events[-1]["type"] == "speech.audio.done"
        assert "audio_url" not in events[-1] and any(e["type"] == "speech.audio.delta" for e in events)
        for server in (cluster.a, cluster.b):
            assert "Traceback" not in server.log.read_text()
    finally:
        cluster.s3.start()  # same port, empty bucket
    assert poll(lambda: httpx.get(cluster.a.url + "/ready").json()["store"]["state"] == "available", 10)
    again = _tts(cluster.a)
    assert again.status_code == 200
    assert httpx.get(cluster.b.url + again.json()["audio_url"], headers=AUTH, timeout=30).status_code == 200
