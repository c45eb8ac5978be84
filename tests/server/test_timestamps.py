"""Timestamps and subtitles over HTTP against a real server: SSE events, POST /tts, SSML's header."""

from __future__ import annotations

import base64
import json
import re

import httpx
import pytest

from tests.server.conftest import Server

EN = "Hello world, this is a test."
ZH = "今天天气很好，我们一起去公园散步吧。"
MIXED = "我们用Python写代码。"
SSML = '<speak>Hello <emphasis>world</emphasis>, <audio src="bell.wav">again</audio>.</speak>'


def sse_events(server: Server, body: dict[str, object]) -> list[dict[str, object]]:
    with httpx.stream("POST", server.url + "/v1/audio/speech", json=body, timeout=60) as response:
        assert response.status_code == 200, response.read()
        return [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]


def check_marks(marks: list[dict[str, object]], text: str, audio_seconds: float) -> None:
    """Monotonic in time and in the input, each quoting the input, the last within the audio."""
    for mark in marks:
        assert 0 <= mark["start"] <= mark["end"], mark  # type: ignore[operator]
        assert mark["text"] == text[mark["offset"] : mark["offset"] + mark["length"]], mark  # type: ignore[misc,operator]
    for a, b in zip(marks, marks[1:]):
        assert a["end"] <= b["start"], (a, b)  # type: ignore[operator]
        assert a["offset"] + a["length"] <= b["offset"], (a, b)  # type: ignore[operator]
    assert 0 < marks[-1]["end"] <= audio_seconds + 0.001  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (EN, ["Hello", "world", "this", "is", "a", "test"]),
        (ZH, [ch for ch in ZH if "\u4e00" <= ch <= "\u9fff"]),
        (MIXED, ["我", "们", "用", "Python", "写", "代", "码"]),
    ],
)
def test_sse_timestamps_come_before_their_audio_and_quote_the_input(
    server: Server, text: str, words: list[str]
) -> None:
    events = sse_events(server, {"input": text, "response_format": "pcm", "stream_format": "sse"})
    kinds = [e["type"] for e in events]
    assert kinds[0] == "speech.audio.timestamps" and kinds[-1] == "speech.audio.done"
    assert set(kinds) == {"speech.audio.timestamps", "speech.audio.delta", "speech.audio.done"}
    marks: list[dict[str, object]] = []
    sent = 0.0  # seconds of audio before each event
    for event, following in zip(events, events[1:]):
        if event["type"] == "speech.audio.timestamps":
            assert following["type"] == "speech.audio.delta"  # just before the audio they begin in
            assert event["marks"][0]["start"] >= sent - 0.02  # type: ignore[index]  # never behind the audio
            marks += event["marks"]  # type: ignore[arg-type]
        elif event["type"] == "speech.audio.delta":
            sent += len(base64.b64decode(event["audio"])) / 2 / 24000  # type: ignore[arg-type]
    assert [m["text"] for m in marks] == words
    assert events[-1]["audio_seconds"] == pytest.approx(sent, abs=0.01)
    check_marks(marks, text, sent)


def test_audio_streams_carry_no_timestamps(server: Server) -> None:
    response = httpx.post(server.url + "/v1/audio/speech", json={"input": EN, "response_format": "pcm"}, timeout=60)
    assert response.status_code == 200 and b"speech.audio" not in response.content


def parse_vtt(body: str) -> list[tuple[float, float, str]]:
    assert body.startswith("WEBVTT\n\n")
    cues = re.findall(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+)\n\n", body)
    assert len(cues) == body.count("-->")
    return [(_seconds(c[0:4]), _seconds(c[4:8]), c[8]) for c in cues]


def _seconds(parts: tuple[str, ...]) -> float:
    h, m, s, ms = map(int, parts)
    return h * 3600 + m * 60 + s + ms / 1000


def test_tts_answers_timestamps_and_a_webvtt_file_beside_the_audio(server: Server) -> None:
    answer = httpx.post(server.url + "/tts", json={"text": EN}, timeout=60)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [m["text"] for m in body["timestamps"]] == ["Hello", "world", "this", "is", "a", "test"]
    check_marks(body["timestamps"], EN, body["duration_seconds"])
    assert body["subtitles_url"].startswith("/audio/") and body["subtitles_url"].endswith(".vtt")
    vtt = httpx.get(server.url + body["subtitles_url"])
    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    cues = parse_vtt(vtt.text)
    assert " ".join(text for _, _, text in cues) == EN
    assert cues[0][0] == body["timestamps"][0]["start"] and cues[-1][1] == body["timestamps"][-1]["end"]
    assert all(a[1] <= b[0] for a, b in zip(cues, cues[1:]))
    assert httpx.get(server.url + body["audio_url"]).headers["content-type"] == "audio/wav"


def test_tts_subtitles_in_srt_when_asked(server: Server) -> None:
    answer = httpx.post(server.url + "/tts", json={"text": ZH, "subtitles": "srt", "format": "mp3"}, timeout=60)
    assert answer.status_code == 200, answer.text
    url = answer.json()["subtitles_url"]
    assert url.endswith(".srt")
    srt = httpx.get(server.url + url)
    assert srt.status_code == 200 and srt.headers["content-type"].startswith("application/x-subrip")
    assert re.fullmatch(r"(\d+\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n.+\n\n)+", srt.text)
    assert srt.text.startswith("1\n") and "".join(srt.text.splitlines()[2::4]) == ZH


def test_tts_refuses_an_unknown_subtitle_format(server: Server) -> None:
    answer = httpx.post(server.url + "/tts", json={"text": EN, "subtitles": "ass"}, timeout=60)
    assert answer.status_code == 400 and "subtitles" in answer.json()["error"]["message"]


def test_ignored_ssml_tags_are_named_in_a_header(server: Server) -> None:
    header = "X-SSML-Ignored-Tags"
    audio = httpx.post(server.url + "/v1/audio/speech", json={"input": SSML, "response_format": "pcm"}, timeout=60)
    assert audio.status_code == 200 and len(audio.content) > 24000
    assert set(audio.headers[header].split(", ")) == {"emphasis", "audio"}
    with httpx.stream("POST", server.url + "/v1/audio/speech", timeout=60,
                      json={"input": SSML, "response_format": "pcm", "stream_format": "sse"}) as sse:
        assert sse.headers[header] == audio.headers[header]
        events = [json.loads(line[6:]) for line in sse.iter_lines() if line.startswith("data: ")]
    marks = [m for e in events if e["type"] == "speech.audio.timestamps" for m in e["marks"]]
    assert [m["text"] for m in marks] == ["Hello", "world", "again"]
    tts = httpx.post(server.url + "/tts", json={"text": SSML}, timeout=60)
    assert tts.status_code == 200 and tts.headers[header] == audio.headers[header]
    cues = parse_vtt(httpx.get(server.url + tts.json()["subtitles_url"]).text)
    assert " ".join(text for _, _, text in cues) == "Hello world, again."  # no tags shown
    plain = httpx.post(server.url + "/v1/audio/speech", json={"input": EN, "response_format": "pcm"}, timeout=60)
    assert header not in plain.headers


def test_malformed_ssml_is_a_clear_400(server: Server) -> None:
    answer = httpx.post(server.url + "/v1/audio/speech", json={"input": "<speak>Hello <s>world</speak>"}, timeout=60)
    assert answer.status_code == 400, answer.headers
    assert "Traceback" not in answer.text and answer.json()["error"]["message"]
