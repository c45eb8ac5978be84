"""Seconds of audio in a response body: raw PCM and WAV from their length, mp3 and Opus decoded.

An encoded stream does not state its length where a streaming client can read it (a streamed mp3
has no Xing frame, an Ogg stream's length is in its last page), so its samples are counted by
decoding the whole body with PyAV. FFmpeg trims Opus's pre-skip and end padding from the granule
positions; a streamed mp3 has nothing to trim by, so its count includes the encoder's delay and
last-frame padding (under 0.11 s at 22.05 kHz, two mp3 frames).
"""

from __future__ import annotations

import io
import struct

import av

ENCODED_FORMATS = ("mp3", "opus")  # the formats whose whole body a client keeps, to decode
_DEMUXERS = {"mp3": "mp3", "opus": "ogg"}


def pcm_seconds(body_bytes: int, sample_rate: int, channels: int = 1, sample_width: int = 2) -> float:
    return body_bytes / (sample_rate * channels * sample_width)


def wav_seconds(head: bytes, body_bytes: int) -> float:
    """Duration of a RIFF/WAVE body from its header and total length (the data chunk runs to the end)."""
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE body")
    offset = 12
    rate = channels = width = None
    while offset + 8 <= len(head):
        chunk_id, size = head[offset : offset + 4], struct.unpack("<I", head[offset + 4 : offset + 8])[0]
        if chunk_id == b"fmt ":
            channels, rate, _, _, bits = struct.unpack("<HIIHH", head[offset + 10 : offset + 24])
            width = bits // 8
        elif chunk_id == b"data":
            if rate is None or channels is None or width is None:
                raise ValueError("WAV data chunk before its fmt chunk")
            return (body_bytes - offset - 8) / (rate * channels * width)
        offset += 8 + size + (size & 1)
    raise ValueError("WAV header has no data chunk within the bytes read")


def encoded_seconds(body: bytes, fmt: str) -> float:
    """Seconds of audio in a whole mp3 or Ogg Opus body, summed over every decoded frame."""
    if fmt not in _DEMUXERS:
        raise ValueError(f"cannot decode {fmt!r}; one of {', '.join(_DEMUXERS)}")
    seconds = 0.0
    frames = 0
    try:
        with av.open(io.BytesIO(body), "r", format=_DEMUXERS[fmt]) as container:
            if not container.streams.audio:
                raise ValueError(f"no audio stream in the {fmt} body")
            for frame in container.decode(container.streams.audio[0]):
                seconds += frame.samples / frame.sample_rate
                frames += 1
    except av.FFmpegError as exc:
        raise ValueError(f"undecodable {fmt} body: {exc}") from exc
    if not frames:
        raise ValueError(f"no audio frames in the {fmt} body ({len(body)} bytes)")
    return seconds
