"""What every voice offers the engine: phonemise a run of text, then turn it into audio."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from warmtts.text.source import Span
from warmtts.voices.level import Level
from warmtts.voices.params import SynthesisParams


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
    """One run of text as the voice's phonemes, with the intermediate stages for display.
    `units` says, per phoneme, which characters of `text` it speaks ([start, end): a Han
    character, an English word), or None for pauses and marks: timestamps come from it."""

    text: str
    phonemes: list[str]
    stages: dict[str, str] = field(default_factory=dict)
    units: tuple[Span | None, ...] = ()


@dataclass(frozen=True)
class Given:
    """A pronunciation the caller fixed (SSML's <phoneme>) for `text[start:end]` of a run."""

    start: int
    end: int
    alphabet: Literal["pinyin", "ipa"]
    ph: str


@dataclass(frozen=True)
class Timing:
    """When a run's phonemes are heard, as the model chose: `lead` seconds before the first,
    then the seconds of each entry of `Phonemized.phonemes` (the model's own padding counted
    with the phoneme before it); whatever follows the last is trailing silence."""

    lead: float
    phonemes: tuple[float, ...]


@dataclass(frozen=True)
class Speech:
    """One window of a run's audio; the run's first window also carries its timing."""

    audio: np.ndarray  # mono float32 in [-1, 1]
    final: bool  # the run's last window
    timing: Timing | None = None


class Voice(Protocol):
    info: VoiceInfo
    model_file: Path  # identifies the model in the model cache (its calibration is kept there)
    level: Level  # the fixed gain and limiter every window passes through (level.py)

    def phonemize(self, text: str, given: Sequence[Given] = ()) -> Phonemized:
        """Normalised text of this voice's language → its phonemes; `given` pronunciations
        this voice cannot use (IPA for a Chinese voice) are ignored."""
        ...

    def synthesize(self, phonemized: Phonemized, params: SynthesisParams) -> Iterator[Speech]:
        """The run's audio at `info.sample_rate`, window by window as the vocoder computes it;
        nothing if there is nothing to say. Each window is computed only when asked for."""
        ...


def joined(speech: Iterable[Speech]) -> np.ndarray:
    """A run's windows as one array, for callers that need all of it at once."""
    parts = [s.audio for s in speech]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)
