from __future__ import annotations

import io

import av
import numpy as np
import pytest

from warmtts.audio.encode import FORMATS, encode_clip, make_encoder

RATE = 24000


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (np.sin(2 * np.pi * 440 * t) * 12000).astype(np.int16)


def decoded_seconds(data: bytes, fmt: str) -> float:
    if fmt == "pcm":
        return len(data) / 2 / RATE
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_chunks_decode_to_the_whole_length(fmt: str) -> None:
    encoder = make_encoder(fmt, RATE)
    data = b"".join(encoder.feed(tone(0.5)) for _ in range(4)) + encoder.finish()
    # Codecs pad a few frames (AAC priming, Opus pre-skip); a lost chunk would cost 0.5 s.
    assert decoded_seconds(data, fmt) == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("fmt", ["pcm", "mp3", "opus", "aac"])
def test_streaming_formats_emit_bytes_before_the_end(fmt: str) -> None:
    encoder = make_encoder(fmt, RATE)
    early = sum(len(encoder.feed(tone(0.5))) for _ in range(4))
    assert early > 0


def test_whole_wav_has_its_exact_length_in_the_header() -> None:
    data = encode_clip(tone(1.0), RATE, "wav")
    assert int.from_bytes(data[40:44], "little") == RATE * 2
    assert decoded_seconds(data, "wav") == pytest.approx(1.0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_stream_finishes_cleanly(fmt: str) -> None:
    encoder = make_encoder(fmt, RATE)
    assert isinstance(encoder.feed(np.zeros(0, np.int16)) + encoder.finish(), bytes)
