"""The unit of streamed audio."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Chunk:
    """A window of audio ready to send; `source_chars` is its share of the input text and
    `text` the language run it belongs to. A run's first window carries the seconds the model
    gave each of its input symbols (timestamps and subtitles are built on them)."""

    pcm: np.ndarray  # int16, mono
    sample_rate: int
    text: str = ""
    source_chars: int = 0
    durations: tuple[tuple[str, float], ...] = ()

    @property
    def seconds(self) -> float:
        return len(self.pcm) / self.sample_rate


@dataclass(frozen=True)
class Clip:
    """A whole utterance."""

    pcm: np.ndarray  # int16, mono
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / self.sample_rate
