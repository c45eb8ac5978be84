"""Opus (in Ogg) and AAC (in ADTS) through FFmpeg's encoders, via PyAV, chunk by chunk.

Both containers can be written to a pipe, so each chunk's encoded bytes are drained from an
in-memory sink as soon as the muxer emits them.
"""

from __future__ import annotations

import io

import av
import numpy as np

# Opus runs at 48 kHz (or 8/12/16/24); AAC at the voice's own rate.
_SETTINGS = {"opus": ("ogg", "libopus", 48000, 48_000), "aac": ("adts", "aac", None, 64_000)}


class _Sink(io.RawIOBase):
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


class AvEncoder:
    def __init__(self, fmt: str, sample_rate: int) -> None:
        container_name, codec, rate, bitrate = _SETTINGS[fmt]
        self._in_rate = sample_rate
        self._sink = _Sink()
        self._container = av.open(self._sink, "w", format=container_name)
        self._stream = self._container.add_stream(codec, rate=rate or sample_rate)
        self._stream.layout = "mono"
        self._stream.bit_rate = bitrate
        self._resampler = av.AudioResampler(
            format=self._stream.codec_context.format, layout="mono", rate=rate or sample_rate
        )

    def _encode(self, frame: av.AudioFrame | None) -> None:
        for resampled in self._resampler.resample(frame):
            for packet in self._stream.encode(resampled):
                self._container.mux(packet)

    def feed(self, pcm: np.ndarray) -> bytes:
        if len(pcm):
            frame = av.AudioFrame.from_ndarray(pcm.astype(np.int16).reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = self._in_rate
            self._encode(frame)
        return self._sink.drain()

    def finish(self) -> bytes:
        self._encode(None)
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()
        return self._sink.drain()
