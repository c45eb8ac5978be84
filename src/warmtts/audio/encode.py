"""Encoders from int16 PCM to the output formats; every format streams.

Each chunk's bytes can be sent as soon as it is encoded: pcm and wav are raw samples (a
streamed WAV header declares the longest length, as HTTP TTS services do); mp3, aac, flac and
opus go through FFmpeg's encoders (`av_encode.py`), which hold back at most a codec frame or two.
`FileEncoder` writes a whole file with exact lengths in
its headers, for audio that is stored.
"""

from __future__ import annotations

import io
import struct
from typing import Protocol

import numpy as np

from warmtts.audio.formats import FORMATS, AudioFormat

_UNKNOWN_LENGTH = 0xFFFFFFFF
SEEKING_FORMATS: tuple[AudioFormat, ...] = ("flac", "mp3")  # whose muxers seek back to finish a file


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


def make_encoder(fmt: AudioFormat, sample_rate: int) -> Encoder:
    if fmt == "pcm":
        return PcmEncoder()
    if fmt == "wav":
        return WavStreamEncoder(sample_rate)
    from warmtts.audio.av_encode import CODECS, MuxedEncoder, OpusEncoder

    if fmt == "opus":
        return OpusEncoder(sample_rate)
    if fmt in CODECS:
        return MuxedEncoder(fmt, sample_rate)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


class FileEncoder:
    """A whole file built chunk by chunk, for audio that is kept: feed() returns nothing and
    finish() the file, with exact lengths in its headers. A WAV header gets the data's length;
    FLAC and MP3 are muxed into a seekable buffer, so FLAC gets its total sample count and MD5
    and MP3 a Xing/LAME frame (length, encoder delay and padding, which decoders trim)."""

    def __init__(self, fmt: AudioFormat, sample_rate: int) -> None:
        self._fmt = fmt
        self._rate = sample_rate
        self._file = io.BytesIO()
        self._encoder: Encoder
        if fmt in SEEKING_FORMATS:
            from warmtts.audio.av_encode import MuxedEncoder

            self._encoder = MuxedEncoder(fmt, sample_rate, self._file)  # writes into the file itself
        else:
            self._encoder = PcmEncoder() if fmt == "wav" else make_encoder(fmt, sample_rate)

    def feed(self, pcm: np.ndarray) -> bytes:
        self._file.write(self._encoder.feed(pcm))
        return b""

    def finish(self) -> bytes:
        self._file.write(self._encoder.finish())
        data = self._file.getvalue()
        return wav_header(self._rate, len(data)) + data if self._fmt == "wav" else data

