"""The unit of streamed audio."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Chunk:
    """A piece of audio ready to send; `source_chars` is how much of the input text it covers."""

    pcm: np.ndarray  # int16, mono
    sample_rate: int
    text: str = ""
    source_chars: int = 0

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
