"""The fixed gain and soft limiter every window of a voice passes through.

Both are functions of each sample alone, never of the window, so the windows of a run still
join without a seam. The gain itself is chosen by calibration (loudness.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KNEE = 0.7  # -3.1 dBFS: below it the limiter passes samples unchanged
CEILING = 0.944  # -0.5 dBFS: no sample goes past it, and resampling has room to overshoot


@dataclass(frozen=True)
class Level:
    """A fixed gain and the soft limiter after it; `Level()` leaves the model's level as it is."""

    gain: float = 1.0

    def apply(self, audio: np.ndarray) -> np.ndarray:
        return soft_limit(audio * np.float32(self.gain))


def soft_limit(audio: np.ndarray, knee: float = KNEE, ceiling: float = CEILING) -> np.ndarray:
    """Samples below `knee` unchanged; above it, bent smoothly (tanh, slope 1 at the knee) so
    none passes `ceiling`. A function of the sample alone, so it adds no seam between windows."""
    x = np.asarray(audio, np.float32)
    magnitude = np.abs(x)
    room = ceiling - knee
    bent = knee + room * np.tanh((magnitude - knee) / room)
    return np.where(magnitude > knee, np.sign(x) * bent, x).astype(np.float32)
