"""Which texts each server runs, and how mp3 and Opus bodies are counted (decoded, not estimated).

Pure: the tones are encoded here with PyAV and answered by httpx's mock transport.
"""

from __future__ import annotations

import io
import json

import av
import httpx
import numpy as np
import pytest

from bench.audio_length import encoded_seconds
from bench.clients import Sample, counted, timed_request
from bench.measure import rtf_by_voice
from bench.serving.servers import Piper, Warmtts
from bench.texts import CASES, EN_LONG, EN_LONG_CLAUSE, EN_SENTENCE, EN_SHORT, pcm_twin

BY_ID = {case.id: case for case in CASES}


class _Stream:
    """A write-only file: FFmpeg's mp3 muxer cannot seek back for a Xing frame, as when streaming."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)


def tone(fmt: str, seconds: float, rate: int = 22050, seekable: bool = True) -> bytes:
    """`seconds` of a 440 Hz tone encoded by FFmpeg as mp3 or Ogg Opus."""
    codec, muxer = {"mp3": ("libmp3lame", "mp3"), "opus": ("libopus", "ogg")}[fmt]
    rate = 48000 if fmt == "opus" else rate
    sink: io.BytesIO | _Stream = io.BytesIO() if seekable else _Stream()
    pcm = (np.sin(2 * np.pi * 440 * np.arange(round(rate * seconds)) / rate) * 8000).astype(np.int16)
    with av.open(sink, "w", format=muxer) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        for start in range(0, len(pcm), 1000):
            frame = av.AudioFrame.from_ndarray(pcm[None, start : start + 1000], format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return bytes(sink.getvalue() if isinstance(sink, io.BytesIO) else sink.data)


def test_each_server_runs_only_the_cases_it_can_answer() -> None:
    piper, ours = Piper(model_path="joe.onnx"), Warmtts()
    assert [case.id for case in piper.cases()] == ["en-short", "en-sentence", "en-long-clause", "en-long", "en-paragraph"]
    assert ours.cases() == CASES
    assert list(piper.mixes()) == ["en"] and set(ours.mixes()) == {"zh", "en", "en-mp3"}
    mp3 = BY_ID["en-sentence-mp3"]
    assert not piper.runs(mp3) and not piper.runs(BY_ID["zh-sentence"]) and ours.runs(mp3)
    assert ours.request(mp3)[1]["response_format"] == "mp3" and ours.wire_format(BY_ID["en-sentence-opus"]) == "opus"
    assert ours.request(BY_ID["en-long"])[1]["response_format"] == "pcm"
    assert piper.request(BY_ID["en-long"]) == ("/synthesize", {"text": EN_LONG}) and piper.wire_format(mp3) == "wav"


def test_the_issue_texts_are_as_asked() -> None:
    assert BY_ID["en-long-clause"].text == (
        "The quick brown fox jumps over the lazy dog near the river bank, and then it runs away."
    )
    assert 150 <= len(EN_LONG) <= 180 and "," not in EN_LONG and EN_LONG.count(".") == 1 and EN_LONG.endswith(".")
    assert 25 <= len(EN_SHORT) <= 35 and EN_LONG_CLAUSE.count(".") == 1
    assert {BY_ID[i].text for i in ("en-sentence", "en-sentence-mp3", "en-sentence-opus")} == {EN_SENTENCE}
    assert [BY_ID[i].format for i in ("en-sentence-mp3", "en-sentence-opus", "zh-sentence-mp3")] == ["mp3", "opus", "mp3"]
    assert pcm_twin(BY_ID["zh-sentence-mp3"]) == BY_ID["zh-sentence"]
    assert pcm_twin(BY_ID["en-sentence-opus"]) == BY_ID["en-sentence"]
    assert all(case.voice == "en-joe" for case in CASES if case.language == "en")


@pytest.mark.parametrize(("fmt", "seconds"), [("mp3", 2.5), ("opus", 2.5), ("mp3", 0.7), ("opus", 1.3)])
def test_encoded_bodies_are_decoded_to_their_length(fmt: str, seconds: float) -> None:
    assert encoded_seconds(tone(fmt, seconds), fmt) == pytest.approx(seconds, abs=0.001)


def test_a_streamed_mp3_counts_its_padding_and_nothing_else() -> None:
    counted_seconds = encoded_seconds(tone("mp3", 2.0, seekable=False), "mp3")
    assert 2.0 < counted_seconds < 2.11  # no Xing frame: the encoder's delay and last-frame padding stay


def test_bodies_that_are_not_audio_are_refused() -> None:
    with pytest.raises(ValueError):
        encoded_seconds(b"\x00" * 500, "opus")
    with pytest.raises(ValueError):
        encoded_seconds(b"", "mp3")
    with pytest.raises(ValueError, match="cannot decode"):
        encoded_seconds(tone("mp3", 0.5), "aac")


def _answering(body: bytes, fmt: str) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content)["response_format"] == fmt
        chunks = [body[i : i + 700] for i in range(0, len(body), 700)]
        return httpx.Response(200, stream=httpx.ByteStream(b"".join(chunks)), headers={"X-Sample-Rate": "22050"})

    return httpx.Client(transport=httpx.MockTransport(answer))


def test_an_mp3_answer_is_kept_whole_and_counted_now_or_after_the_clock() -> None:
    case = BY_ID["en-sentence-mp3"]
    with _answering(tone("mp3", 1.5), "mp3") as client:
        now = timed_request(client, "http://bench.invalid", Warmtts(), case)
        later = timed_request(client, "http://bench.invalid", Warmtts(), case, count_now=False)
    assert now.ok and now.audio_seconds == pytest.approx(1.5, abs=0.001) and now.encoded is None
    assert later.ok and later.audio_seconds == 0.0 and later.encoded is not None
    assert counted(later).audio_seconds == pytest.approx(1.5, abs=0.001) and counted(later).encoded is None
    with _answering(b"ID3 but no frames at all" * 20, "mp3") as client:
        broken = timed_request(client, "http://bench.invalid", Warmtts(), case)
    assert not broken.ok and broken.error is not None and broken.error.startswith("unreadable audio")
    assert broken.ttfa is not None


def test_rtf_per_voice_is_over_pcm_requests_only() -> None:
    samples: dict[str, list[Sample]] = {
        "en-sentence": [Sample("en-sentence", ok=True, ttfa=0.05, total=0.2, audio_seconds=4.0)],
        "en-sentence-mp3": [Sample("en-sentence-mp3", ok=True, ttfa=0.05, total=2.0, audio_seconds=4.0)],
        "zh-sentence": [Sample("zh-sentence", ok=True, ttfa=0.05, total=0.3, audio_seconds=5.0)],
    }
    assert rtf_by_voice(samples, tuple(BY_ID[i] for i in samples)) == pytest.approx({"en-joe": 0.05, "zh-baker": 0.06})
