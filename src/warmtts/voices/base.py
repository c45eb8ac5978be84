"""What every voice offers the engine: phonemise a run of text, then turn it into audio."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

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
    """One run of text as the voice's phonemes, with the intermediate stages for display."""

    text: str
    phonemes: list[str]
    stages: dict[str, str] = field(default_factory=dict)


class Voice(Protocol):
    info: VoiceInfo

    def phonemize(self, text: str) -> Phonemized:
        """Normalised text of this voice's language → its phonemes."""
        ...

    def synthesize(self, phonemized: Phonemized, params: SynthesisParams) -> np.ndarray:
        """Mono float32 audio in [-1, 1] at `info.sample_rate`; empty if there is nothing to say."""
        ...
