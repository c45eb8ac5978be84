"""The HTTP API against a real server, with the real `openai` client where OpenAI's API is mimicked."""

from __future__ import annotations

import base64
import io
import json

import av
import httpx
import pytest
from openai import OpenAI

from tests.server.conftest import Server

ZH = "今天天气很好，我们一起去公园散步吧。"
LONG_ZH = "春天来了，花园里的花都开了，小鸟在树上唱歌。" * 12


def decoded_seconds(data: bytes, fmt: str, rate: int) -> float:
    if fmt == "pcm":
        return len(data) / 2 / rate
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


@pytest.fixture(scope="module")
def client(server: Server) -> OpenAI:
    return OpenAI(base_url=server.url + "/v1", api_key="not-needed", max_retries=0)


@pytest.fixture(scope="module")
def zh_pcm_seconds(server: Server) -> float:
    body = httpx.post(server.url + "/v1/audio/speech", json={"input": ZH, "response_format": "pcm"}, timeout=60)
    return len(body.content) / 2 / 24000


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_openai_client_every_format(client: OpenAI, fmt: str, zh_pcm_seconds: float) -> None:
    response = client.audio.speech.create(model="tts-1", voice="alloy", input=ZH, response_format=fmt)
    assert response.response.headers["X-Sample-Rate"] == "24000"
    # zh-baker is deterministic: every format holds the same audio (codecs pad by a frame or two)
    assert 2.0 < zh_pcm_seconds < 6.0
    assert decoded_seconds(response.content, fmt, 24000) == pytest.approx(zh_pcm_seconds, abs=0.08)


def test_openai_streaming_response(client: OpenAI) -> None:
    pieces = []
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="echo", input="Hello there. This is a streamed answer, in several pieces.",
        response_format="pcm",
    ) as response:
        assert response.headers["X-Voice"] == "en-joe"
        assert response.headers["X-Sample-Rate"] == "24000"  # OpenAI's pcm rate, whatever the voice's
        for piece in response.iter_bytes():
            pieces.append(piece)
    assert 2.0 < len(b"".join(pieces)) / 2 / 24000 < 8.0


@pytest.mark.parametrize("stream_format", ["audio", "sse"])
def test_audio_is_resampled_as_asked_without_seams(server: Server, stream_format: str) -> None:
    """zh-baker speaks at 24 kHz: asked for 16 kHz, the streamed pieces match resampling the
    whole answer at once (length within a sample, SNR above 40 dB)."""
    import numpy as np
    import soxr

    request = {"input": LONG_ZH[:120], "voice": "zh-baker", "response_format": "pcm"}
    native = np.frombuffer(httpx.post(server.url + "/v1/audio/speech", json=request, timeout=60).content, np.int16)
    with httpx.stream("POST", server.url + "/v1/audio/speech", timeout=60,
                      json=request | {"sample_rate": 16000, "stream_format": stream_format}) as response:
        assert response.headers["X-Sample-Rate"] == "16000"
        if stream_format == "sse":
            events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
            body = b"".join(base64.b64decode(e["audio"]) for e in events if e["type"] == "speech.audio.delta")
            assert events[-1]["sample_rate"] == 16000
        else:
            body = response.read()
    resampled = np.frombuffer(body, np.int16).astype(np.float64)
    expected = soxr.resample(native.astype(np.float32), 24000, 16000, quality="HQ").astype(np.float64)
    assert abs(len(resampled) - len(expected)) <= 1
    n = min(len(resampled), len(expected))
    error = resampled[:n] - expected[:n]
    assert 10 * np.log10(np.sum(expected[:n] ** 2) / np.sum(error**2)) > 40  # dB


def test_native_rate_on_request(client: OpenAI) -> None:
    response = client.audio.speech.create(
        model="tts-1", voice="alloy", input="Hello there.", response_format="pcm", extra_body={"sample_rate": "native"}
    )
    assert response.response.headers["X-Sample-Rate"] == "22050"


def test_first_bytes_arrive_while_synthesis_is_still_running(server: Server) -> None:
    with httpx.stream(
        "POST", server.url + "/v1/audio/speech", json={"input": LONG_ZH, "response_format": "pcm"}, timeout=120
    ) as response:
        assert response.status_code == 200
        stream = response.iter_raw()
        first = next(stream)
        assert len(first) > 0
        in_flight = httpx.get(server.url + "/metrics").text
        assert "warmtts_requests_in_flight 0.0" not in in_flight
        rest = b"".join(stream)
    total_seconds = (len(first) + len(rest)) / 2 / 24000
    assert len(first) / 2 / 24000 < total_seconds / 5


def test_sse_stream_format(server: Server) -> None:
    events = []
    with httpx.stream(
        "POST", server.url + "/v1/audio/speech",
        json={"input": ZH, "response_format": "pcm", "stream_format": "sse"}, timeout=60,
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    deltas = [e for e in events if e["type"] == "speech.audio.delta"]
    assert len(deltas) >= 2 and events[-1]["type"] == "speech.audio.done"
    audio = b"".join(base64.b64decode(e["audio"]) for e in deltas)
    assert events[-1]["audio_seconds"] == pytest.approx(len(audio) / 2 / 24000, abs=0.01)
    progress = [e["progress"] for e in deltas]
    assert progress == sorted(progress) and progress[-1] == 1.0


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac"])
def test_sse_keeps_what_it_streamed_for_download(server: Server, fmt: str) -> None:
    request = {"input": ZH, "response_format": "pcm", "stream_format": "sse", "download_format": fmt}
    with httpx.stream("POST", server.url + "/v1/audio/speech", json=request, timeout=60) as response:
        events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
    streamed = b"".join(base64.b64decode(e["audio"]) for e in events if e["type"] == "speech.audio.delta")
    done = events[-1]
    assert done["type"] == "speech.audio.done" and done["audio_url"].endswith("." + fmt)
    kept = httpx.get(server.url + done["audio_url"])
    assert kept.status_code == 200
    if fmt == "wav":  # the very samples that were streamed, behind an exact header
        assert kept.content[44:] == streamed and int.from_bytes(kept.content[40:44], "little") == len(streamed)
    assert decoded_seconds(kept.content, fmt, 24000) == pytest.approx(len(streamed) / 2 / 24000, abs=0.08)


def test_download_format_needs_sse(server: Server) -> None:
    response = httpx.post(server.url + "/v1/audio/speech", json={"input": ZH, "download_format": "mp3"})
    assert response.status_code == 400 and "download_format needs stream_format 'sse'" in response.text


def test_tts_then_fetch_the_file(server: Server) -> None:
    answer = httpx.post(server.url + "/tts", json={"text": "Good morning.", "format": "mp3"}, timeout=60)
    assert answer.status_code == 200
    body = answer.json()
    assert body["sample_rate"] == 22050 and body["voice"] == "en-joe"
    assert body["audio_url"].startswith("/audio/") and body["audio_url"].endswith(".mp3")
    audio = httpx.get(server.url + body["audio_url"])
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    assert decoded_seconds(audio.content, "mp3", 22050) == pytest.approx(body["duration_seconds"], abs=0.1)


@pytest.mark.parametrize(
    "path",
    ["/audio/..%2F..%2Fetc%2Fpasswd", "/audio/../../etc/passwd", "/audio/%2e%2e%2fconfig.py",
     "/audio/" + "A" * 32 + ".wav", "/audio/short.wav"],
)
def test_audio_store_refuses_unknown_and_traversal(server: Server, path: str) -> None:
    assert httpx.get(server.url + path).status_code == 404


@pytest.mark.parametrize(("model", "voice"), [("gpt-4o-mini-tts-2025-12-15", "marin"), ("tts-1-hd", "cedar")])
def test_current_openai_model_snapshots_and_voices(client: OpenAI, model: str, voice: str) -> None:
    response = client.audio.speech.create(model=model, voice=voice, input=ZH, response_format="pcm")
    assert response.response.headers["X-Voice"] == "zh-baker" and len(response.content) > 24000


@pytest.mark.parametrize(("speed", "low", "high"), [(0.25, 3.2, 4.8), (4.0, 0.18, 0.33)])
def test_openai_speed_range_is_honoured_end_to_end(
    client: OpenAI, zh_pcm_seconds: float, speed: float, low: float, high: float
) -> None:
    """OpenAI's whole 0.25-4 range: the model's duration scale to 0.5 or 2, the rest stretched."""
    response = client.audio.speech.create(model="tts-1", voice="alloy", input=ZH, response_format="pcm", speed=speed)
    assert low < decoded_seconds(response.content, "pcm", 24000) / zh_pcm_seconds < high


def test_openai_instructions_naming_a_speed_or_pitch_are_honoured(client: OpenAI, zh_pcm_seconds: float) -> None:
    slow = client.audio.speech.with_raw_response.create(
        model="gpt-4o-mini-tts", voice="alloy", input=ZH, response_format="pcm", instructions="Speak slowly and calmly."
    )
    assert slow.headers["X-Instructions"] == "honoured: speed*0.80"
    assert decoded_seconds(slow.parse().content, "pcm", 24000) == pytest.approx(zh_pcm_seconds / 0.8, rel=0.08)
    high = client.audio.speech.with_raw_response.create(
        model="gpt-4o-mini-tts", voice="alloy", input=ZH, response_format="pcm", instructions="Use a higher pitch."
    )
    assert high.headers["X-Instructions"].startswith("honoured: pitch*1.15")
    plain = client.audio.speech.create(model="tts-1", voice="alloy", input=ZH, response_format="pcm").content
    raised = high.parse().content
    assert len(raised) == len(plain) and raised != plain  # the same timing, another pitch


def test_openai_instructions_otherwise_ignored_and_said_so(client: OpenAI, zh_pcm_seconds: float) -> None:
    response = client.audio.speech.with_raw_response.create(
        model="gpt-4o-mini-tts", voice="alloy", input=ZH, response_format="pcm", instructions="Sound cheerful and warm."
    )
    assert response.headers["X-Instructions"] == "ignored: names no speed or pitch in plain words"
    assert decoded_seconds(response.parse().content, "pcm", 24000) == pytest.approx(zh_pcm_seconds, abs=0.02)
    without = client.audio.speech.with_raw_response.create(model="tts-1", voice="alloy", input=ZH, response_format="pcm")
    assert "X-Instructions" not in without.headers


def test_models_and_voices(server: Server) -> None:
    models = httpx.get(server.url + "/v1/models").json()
    assert {m["id"] for m in models["data"]} >= {"warmtts", "tts-1"}
    voices = {v["id"]: v for v in httpx.get(server.url + "/v1/voices").json()["voices"]}
    assert voices["zh-baker"]["sample_rate"] == 24000 and voices["zh-baker"]["language"] == "zh"
    assert voices["en-joe"]["engine"] == "piper-vits"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"input": "   "}, 400, "input is empty"),
        ({"input": "hi", "voice": "zh-bakr"}, 400, "available: zh-baker, en-joe"),
        ({"input": "hi", "speed": 5}, 400, "speed: Input should be less than or equal to 4"),
        ({"input": "hi", "speed": 0.2}, 400, "speed: Input should be greater than or equal to 0.25"),
        ({"input": "hi", "response_format": "ogg"}, 400, "response_format"),
        ({"input": "hi", "model": "gpt-5"}, 400, "model 'gpt-5' not found"),
        ({"voice": "alloy"}, 400, "input: Field required"),
        ({"input": "x" * 10_001}, 400, "the limit is 10000"),
        ({"input": "hi", "sample_rate": 100}, 400, "sample_rate must be between 8000 and 48000"),
    ],
)
def test_bad_requests_get_clear_400s(server: Server, body: dict, status: int, message: str) -> None:
    response = httpx.post(server.url + "/v1/audio/speech", json=body, timeout=30)
    assert response.status_code == status
    assert message in response.json()["error"]["message"]


def scrape(server: Server) -> dict[str, float]:
    samples = {}
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_metrics_count_this_request(server: Server) -> None:
    keys = {
        "ok": 'warmtts_requests_total{route="/v1/audio/speech",status="200"}',
        "ttfa": 'warmtts_time_to_first_audio_seconds_count{route="/v1/audio/speech"}',
        "audio": 'warmtts_audio_seconds_total{voice="zh-baker"}',
        "complete": 'warmtts_synthesis_outcomes_total{outcome="complete",route="/v1/audio/speech"}',
        "synthesis": 'warmtts_synthesis_seconds_count{route="/v1/audio/speech"}',
    }
    before = scrape(server)
    audio = httpx.post(server.url + "/v1/audio/speech", json={"input": "你好。", "response_format": "pcm"}, timeout=30)
    after = scrape(server)
    assert audio.status_code == 200
    for key in ("ok", "ttfa", "complete", "synthesis"):
        assert after[keys[key]] - before.get(keys[key], 0.0) == 1.0, key
    added = after[keys["audio"]] - before.get(keys["audio"], 0.0)
    assert added == pytest.approx(len(audio.content) / 2 / 24000, abs=0.01)
    assert after['warmtts_preload_step_seconds{step="voice:zh-baker"}'] > 0
    assert after["warmtts_capacity_load"] == 0.0
