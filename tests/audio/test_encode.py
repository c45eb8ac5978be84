"""Every format streams: bytes after each chunk, and the whole decodes to the input's length.

Decoded lengths are exact for pcm, wav and flac, and for opus (its granule positions trim the
encoder's pre-skip and padding). mp3 and aac streams cannot say how much their decoders must
trim, so they decode longer by the codec's priming and last-frame padding: LAME's 1105 samples
plus up to a 576-sample frame, and AAC's 1024 plus up to a 1024-sample frame, both under 0.1 s
at 22050 Hz; and they must never decode shorter than the input.
"""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from warmtts.audio.encode import FORMATS, FileEncoder, make_encoder

RATES = (24000, 22050)
CHUNK_SECONDS = (0.5, 0.25, 1.6, 0.95)  # uneven, none a multiple of any codec's frame
PADDED = {"mp3", "aac"}
PADDING_SECONDS = 0.1
HELD_BACK_SECONDS = 0.15  # after any feed: a FLAC block (2304 samples), LAME's delay and frames
DECODED_RATE = {"opus": 48000}


def tone(seconds: float, rate: int) -> np.ndarray:
    """A 440 Hz tone with a slow 3 Hz swell, int16: not silence, not one repeated frame."""
    t = np.arange(round(seconds * rate)) / rate
    return (np.sin(2 * np.pi * 440 * t) * (0.6 + 0.3 * np.sin(2 * np.pi * 3 * t)) * 20000).astype(np.int16)


def chunks(rate: int) -> list[np.ndarray]:
    return [tone(seconds, rate) for seconds in CHUNK_SECONDS]


def decode(data: bytes, fmt: str, rate: int) -> tuple[np.ndarray, int]:
    """All decoded samples (int16 for pcm, wav and flac; float otherwise) and their rate."""
    if fmt == "pcm":
        return np.frombuffer(data, "<i2"), rate
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        frames = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
        return (np.concatenate(frames) if frames else np.zeros(0)), stream.rate


def assert_length(data: bytes, fmt: str, rate: int, seconds: float) -> None:
    samples, decoded_rate = decode(data, fmt, rate)
    assert decoded_rate == DECODED_RATE.get(fmt, rate)
    decoded = len(samples) / decoded_rate
    if fmt in PADDED:
        assert seconds <= decoded <= seconds + PADDING_SECONDS
    else:
        assert decoded == pytest.approx(seconds, abs=1 / decoded_rate)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_chunks_decode_to_the_whole_length(fmt: str, rate: int) -> None:
    encoder = make_encoder(fmt, rate)  # type: ignore[arg-type]
    data = b"".join(encoder.feed(chunk) for chunk in chunks(rate)) + encoder.finish()
    assert_length(data, fmt, rate, sum(CHUNK_SECONDS))


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_chunk_is_on_the_wire_before_the_next(fmt: str, rate: int) -> None:
    """After each feed, what has come out decodes to nearly everything fed so far."""
    encoder = make_encoder(fmt, rate)  # type: ignore[arg-type]
    sent = b""
    fed = 0.0
    for chunk in chunks(rate):
        out = encoder.feed(chunk)
        assert out, f"{fmt}: nothing came out of a {len(chunk) / rate} s chunk"
        sent += out
        fed += len(chunk) / rate
        samples, decoded_rate = decode(sent, fmt, rate)
        assert len(samples) / decoded_rate >= fed - HELD_BACK_SECONDS


@pytest.mark.parametrize("rate", RATES)
def test_streamed_flac_is_lossless_and_declares_an_unknown_length(rate: int) -> None:
    encoder = make_encoder("flac", rate)
    data = b"".join(encoder.feed(chunk) for chunk in chunks(rate)) + encoder.finish()
    samples, _ = decode(data, "flac", rate)
    assert np.array_equal(samples, np.concatenate(chunks(rate)))
    assert streaminfo(data) == (rate, 0)


def encode_clip(pcm: np.ndarray, sample_rate: int, fmt: str) -> bytes:
    encoder = FileEncoder(fmt, sample_rate)  # type: ignore[arg-type]
    encoder.feed(pcm)
    return encoder.finish()


def streaminfo(flac: bytes) -> tuple[int, int]:
    """(sample rate, total samples) from a FLAC's STREAMINFO block, which follows 'fLaC'."""
    assert flac[:4] == b"fLaC" and flac[4] & 0x7F == 0
    packed = int.from_bytes(flac[18:26], "big")  # rate 20 bits, channels 3, bits 5, samples 36
    return packed >> 44, packed & (1 << 36) - 1


def test_whole_wav_has_its_exact_length_in_the_header() -> None:
    data = encode_clip(tone(1.0, 24000), 24000, "wav")
    assert int.from_bytes(data[40:44], "little") == 24000 * 2
    assert int.from_bytes(data[4:8], "little") == 36 + 24000 * 2
    assert_length(data, "wav", 24000, 1.0)


def test_whole_flac_declares_its_total_samples() -> None:
    pcm = tone(1.3, 22050)
    data = encode_clip(pcm, 22050, "flac")
    assert streaminfo(data) == (22050, len(pcm))
    assert np.array_equal(decode(data, "flac", 22050)[0], pcm)


def test_whole_mp3_carries_its_padding_so_it_decodes_exactly() -> None:
    data = encode_clip(tone(1.3, 24000), 24000, "mp3")
    assert b"Info" in data[:200] or b"Xing" in data[:200]
    assert len(decode(data, "mp3", 24000)[0]) == round(1.3 * 24000)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_built_chunk_by_chunk_decodes_to_the_whole_length(fmt: str) -> None:
    encoder = FileEncoder(fmt, 24000)  # type: ignore[arg-type]
    assert all(encoder.feed(chunk) == b"" for chunk in chunks(24000))
    assert_length(encoder.finish(), fmt, 24000, sum(CHUNK_SECONDS))


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_stream_finishes_cleanly(fmt: str) -> None:
    for encoder in (make_encoder(fmt, 24000), FileEncoder(fmt, 24000)):  # type: ignore[arg-type]
        data = encoder.feed(np.zeros(0, np.int16)) + encoder.finish()
        if data and fmt != "pcm":  # headers only: they must still open, with nothing in them
            assert len(decode(data, fmt, 24000)[0]) == 0
        else:
            assert data == b""


def test_an_unknown_format_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of wav, flac"):
        make_encoder("ogg", 24000)  # type: ignore[arg-type]
