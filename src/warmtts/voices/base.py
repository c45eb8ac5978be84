"""What every voice offers the engine: phonemise a run of text, then turn it into audio."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    language: str  # ISO 639-1 family: "zh", "en", "de", …
    sample_rate: int
    engine: Literal["fastspeech2+mbmelgan", "piper-vits"]
    description: str = ""
    license: str = ""


@dataclass(frozen=True)
class SynthesisParams:
    """Per-request controls; pitch and energy apply only to voices whose model takes them."""

    speed: float = 1.0
    pitch: float = 1.0
    energy: float = 1.0


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
