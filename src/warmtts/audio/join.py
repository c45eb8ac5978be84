"""Joining model outputs: short fades at every edge and silence for pauses, so chunks abut
without a click, and resampling when a run's voice has another rate than the stream."""

from __future__ import annotations

import numpy as np
import soxr

FADE_SECONDS = 0.005


def fade_edges(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Fade in and out over 5 ms so the signal starts and ends at zero."""
    n = min(int(sample_rate * FADE_SECONDS), len(audio) // 2)
    if n == 0:
        return audio
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    out = audio.astype(np.float32, copy=True)
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out


def resample(audio: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    if from_rate == to_rate or len(audio) == 0:
        return audio
    return soxr.resample(audio, from_rate, to_rate, quality="HQ").astype(np.float32)


def silence(seconds: float, sample_rate: int) -> np.ndarray:
    return np.zeros(int(round(seconds * sample_rate)), np.float32)


def to_int16(audio: np.ndarray) -> np.ndarray:
    return (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype(np.int16)
