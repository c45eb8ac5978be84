"""MP3, AAC, FLAC and Opus through FFmpeg's encoders (via PyAV), chunk by chunk.

A feed's bytes come out as soon as the codec emits them. MP3 (bare frames), AAC (ADTS) and
FLAC go through FFmpeg's muxers into a sink that cannot seek and is drained after every feed
(a streamed FLAC's header declares 0 total samples, which the format defines as unknown);
Opus packets go on Ogg pages of our own at the end of every feed (see `ogg.py`). Given a
seekable file, the FLAC and MP3 muxers seek back at the end to write exact lengths there.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from typing import BinaryIO

import av
import numpy as np

from warmtts.audio.ogg import OggWriter

OPUS_RATE = 48_000
OPUS_BIT_RATE = 48_000
_OPUS_TAGS = b"OpusTags" + struct.pack("<I", 7) + b"warmtts" + struct.pack("<I", 0)


@dataclass(frozen=True)
class Codec:
    """One format's FFmpeg muxer and encoder, at the voice's own sample rate."""

    muxer: str
    encoder: str
    sample_format: str  # the encoder's native one, so PyAV converts only when it must
    bit_rate: int = 0
    options: dict[str, str] = field(default_factory=dict)
    muxer_options: dict[str, str] = field(default_factory=dict)


CODECS: dict[str, Codec] = {
    # compression_level is LAME's -q (0 best and slowest, 9 fastest). 3 is LAME's default: FFmpeg's LAME
    # at 2 cost about 2.6 × what lameenc's did at 2, and about twice what it costs at 3 (python -m bench.encoders).
    # No ID3v2 tag: the stream is bare MPEG frames, as it was before PyAV.
    "mp3": Codec("mp3", "libmp3lame", "s16p", 64_000, {"compression_level": "3"}, {"id3v2_version": "0"}),
    "aac": Codec("adts", "aac", "fltp", 64_000),
    # Without this the muxer puts 8 KiB of padding after the header, for taggers to fill.
    "flac": Codec("flac", "flac", "s16", muxer_options={"metadata_header_padding": "0"}),
}


def _frame(pcm: np.ndarray, sample_rate: int, pts: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(pcm.astype(np.int16, copy=False).reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = sample_rate
    frame.time_base = Fraction(1, sample_rate)
    frame.pts = pts
    return frame


class _Sink(io.RawIOBase):
    """An in-memory output that says it cannot seek, so muxers write straight through."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._buffer += data
        return len(data)

    def drain(self) -> bytes:
        data, self._buffer = bytes(self._buffer), bytearray()
        return data


class MuxedEncoder:
    """MP3, AAC or FLAC. With `file` (seekable) the bytes go there and feed/finish return b""."""

    def __init__(self, fmt: str, sample_rate: int, file: BinaryIO | None = None) -> None:
        codec = CODECS[fmt]
        self._rate = sample_rate
        self._samples = 0
        self._sink = _Sink() if file is None else None
        self._container = av.open(
            self._sink if file is None else file, "w", format=codec.muxer, container_options=codec.muxer_options
        )
        self._stream = self._container.add_stream(codec.encoder, rate=sample_rate, options=codec.options)
        self._stream.layout = "mono"
        self._stream.format = codec.sample_format
        self._stream.bit_rate = codec.bit_rate

    def _drain(self) -> bytes:
        return self._sink.drain() if self._sink is not None else b""

    def feed(self, pcm: np.ndarray) -> bytes:
        if len(pcm):
            self._container.mux(self._stream.encode(_frame(pcm, self._rate, self._samples)))
            self._samples += len(pcm)
        return self._drain()

    def finish(self) -> bytes:
        self._container.mux(self._stream.encode(None))
        self._container.close()
        return self._drain()


class OpusEncoder:
    """Opus at 48 kHz (resampled from the voice's rate) in Ogg, one or more pages per feed."""

    def __init__(self, sample_rate: int) -> None:
        self._rate = sample_rate
        self._samples = 0
        self._codec = av.CodecContext.create("libopus", "w")
        self._codec.sample_rate = OPUS_RATE
        self._codec.layout = "mono"
        self._codec.format = "s16"
        self._codec.bit_rate = OPUS_BIT_RATE
        self._codec.open()
        self._ogg = OggWriter()

    def _packets(self, frame: av.AudioFrame | None) -> list[tuple[bytes, int]]:
        return [(bytes(p), p.duration) for p in self._codec.encode(frame)]

    def _headers(self) -> bytes:
        """OpusHead (the codec's extradata, which holds the pre-skip) and OpusTags, each on a
        page of its own, as RFC 7845 asks."""
        return self._ogg.pages([(self._codec.extradata, 0)]) + self._ogg.pages([(_OPUS_TAGS, 0)])

    def feed(self, pcm: np.ndarray) -> bytes:
        if not len(pcm):
            return b""
        head = b"" if self._samples else self._headers()
        packets = self._packets(_frame(pcm, self._rate, self._samples))
        self._samples += len(pcm)
        return head + self._ogg.pages(packets)

    def finish(self) -> bytes:
        """The last packets (the codec's look-ahead) on a page marked last; the final granule
        position tells decoders where the audio ends inside the last packet."""
        if not self._samples:
            return b""
        return self._ogg.pages(self._packets(None), last=True)
