"""The unit of streamed audio."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from warmtts.text.marks import Mark


@dataclass(frozen=True)
class Chunk:
    """A window of audio ready to send; `source_chars` is its share of the input text and
    `text` the language run it belongs to. A run's first window carries the marks of the whole
    run (when each stretch of the input is heard, in seconds from the stream's start): they
    may run ahead of the audio sent so far, never behind it."""

    pcm: np.ndarray  # int16, mono
    sample_rate: int
    text: str = ""
    source_chars: int = 0
    marks: tuple[Mark, ...] = ()
    opens: float = 0.0  # on a run's first window: the run's audio (model seconds), whose acoustic model it ran

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
