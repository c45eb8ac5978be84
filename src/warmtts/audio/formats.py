"""Output formats and their media types; import-light, so the server's routes can start fast."""

from __future__ import annotations

from typing import Literal

AudioFormat = Literal["wav", "flac", "mp3", "pcm", "opus", "aac"]
FORMATS: tuple[AudioFormat, ...] = ("wav", "flac", "mp3", "pcm", "opus", "aac")
CONTENT_TYPES: dict[AudioFormat, str] = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "pcm": "audio/pcm",
    "opus": "audio/ogg",
    "aac": "audio/aac",
}
