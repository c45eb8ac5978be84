"""Encoders from int16 PCM to the output formats, incremental where the format allows.

pcm, wav, mp3, opus and aac stream: each chunk's bytes can be sent as soon as it is
synthesised (a streamed WAV header declares the longest length, as HTTP TTS services do).
FLAC is written in one piece at the end, since libsndfile seeks back to finish its header.
"""

from __future__ import annotations

import io
import struct
from typing import Protocol

import lameenc
import numpy as np
import soundfile

from warmtts.audio.formats import FORMATS, AudioFormat

_UNKNOWN_LENGTH = 0xFFFFFFFF


class Encoder(Protocol):
    def feed(self, pcm: np.ndarray) -> bytes: ...
    def finish(self) -> bytes: ...


def wav_header(sample_rate: int, data_bytes: int | None = None) -> bytes:
    """A 44-byte PCM16 mono header; `None` length means 'streamed, length unknown'."""
    data = _UNKNOWN_LENGTH if data_bytes is None else data_bytes
    riff = _UNKNOWN_LENGTH if data_bytes is None else 36 + data_bytes
    return b"RIFF" + struct.pack("<I", riff) + b"WAVE" + b"fmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16
    ) + b"data" + struct.pack("<I", data)


class PcmEncoder:
    def feed(self, pcm: np.ndarray) -> bytes:
        return pcm.astype("<i2", copy=False).tobytes()

    def finish(self) -> bytes:
        return b""


class WavStreamEncoder(PcmEncoder):
    def __init__(self, sample_rate: int) -> None:
        self._header: bytes | None = wav_header(sample_rate)

    def feed(self, pcm: np.ndarray) -> bytes:
        header, self._header = self._header or b"", None
        return header + super().feed(pcm)

    def finish(self) -> bytes:
        header, self._header = self._header or b"", None
        return header


class Mp3Encoder:
    def __init__(self, sample_rate: int, bitrate_kbps: int = 64) -> None:
        self._lame = lameenc.Encoder()
        self._lame.set_bit_rate(bitrate_kbps)
        self._lame.set_in_sample_rate(sample_rate)
        self._lame.set_channels(1)
        self._lame.set_quality(2)
        self._started = False  # LAME refuses to flush an encoder that never encoded

    def feed(self, pcm: np.ndarray) -> bytes:
        if not len(pcm):
            return b""
        self._started = True
        return bytes(self._lame.encode(pcm.astype("<i2", copy=False).tobytes()))

    def finish(self) -> bytes:
        return bytes(self._lame.flush()) if self._started else b""


class FlacEncoder:
    def __init__(self, sample_rate: int) -> None:
        self._rate = sample_rate
        self._parts: list[np.ndarray] = []

    def feed(self, pcm: np.ndarray) -> bytes:
        self._parts.append(pcm)
        return b""

    def finish(self) -> bytes:
        buffer = io.BytesIO()
        pcm = np.concatenate(self._parts) if self._parts else np.zeros(0, np.int16)
        soundfile.write(buffer, pcm, self._rate, format="FLAC", subtype="PCM_16")
        return buffer.getvalue()


def make_encoder(fmt: AudioFormat, sample_rate: int) -> Encoder:
    if fmt == "pcm":
        return PcmEncoder()
    if fmt == "wav":
        return WavStreamEncoder(sample_rate)
    if fmt == "mp3":
        return Mp3Encoder(sample_rate)
    if fmt == "flac":
        return FlacEncoder(sample_rate)
    if fmt in ("opus", "aac"):
        from warmtts.audio.av_encode import AvEncoder

        return AvEncoder(fmt, sample_rate)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def encode_clip(pcm: np.ndarray, sample_rate: int, fmt: AudioFormat) -> bytes:
    """A whole clip in `fmt`; a WAV file gets its exact length in the header."""
    if fmt == "wav":
        data = pcm.astype("<i2", copy=False).tobytes()
        return wav_header(sample_rate, len(data)) + data
    encoder = make_encoder(fmt, sample_rate)
    return encoder.feed(pcm) + encoder.finish()
