"""What every voice offers the engine: phonemise a run of text, then turn it into audio."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from warmtts.voices.params import SynthesisParams

if TYPE_CHECKING:
    from warmtts.voices.loudness import Level


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    language: str  # ISO 639-1 family: "zh", "en", "de", …
    sample_rate: int
    engine: Literal["fastspeech2+mbmelgan", "piper-vits"]
    description: str = ""
    license: str = ""


@dataclass(frozen=True)
class Phonemized:
    """One run of text as the voice's phonemes, with the intermediate stages for display."""

    text: str
    phonemes: list[str]
    stages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Speech:
    """One window of a run's audio. The run's first window also carries the duration the model
    gave each of its input symbols (phonemes and the model's own marks such as pauses and the
    end), in seconds, in order: timestamps are built from them."""

    audio: np.ndarray  # mono float32 in [-1, 1]
    final: bool  # the run's last window
    durations: tuple[tuple[str, float], ...] = ()


class Voice(Protocol):
    info: VoiceInfo
    model_file: Path  # identifies the model in the model cache (its calibration is kept there)
    level: Level  # the fixed gain and limiter every window passes through (loudness.py)

    def phonemize(self, text: str) -> Phonemized:
        """Normalised text of this voice's language → its phonemes."""
        ...

    def synthesize(self, phonemized: Phonemized, params: SynthesisParams) -> Iterator[Speech]:
        """The run's audio at `info.sample_rate`, window by window as the vocoder computes it;
        nothing if there is nothing to say. Each window is computed only when asked for."""
        ...


def joined(speech: Iterable[Speech]) -> np.ndarray:
    """A run's windows as one array, for callers that need all of it at once."""
    parts = [s.audio for s in speech]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)
