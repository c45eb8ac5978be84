"""Joining model outputs: short fades at the edges of each language run and silence for pauses,
so runs abut without a click."""

from __future__ import annotations

import numpy as np

FADE_SECONDS = 0.005


def fade_edges(audio: np.ndarray, sample_rate: int, start: bool = True, end: bool = True) -> np.ndarray:
    """Fade in (at the `start`) and out (at the `end`) over 5 ms so the signal starts and ends
    at zero; a window inside an utterance keeps the edge it shares with its neighbour."""
    n = min(int(sample_rate * FADE_SECONDS), len(audio) // 2)
    if n == 0 or not (start or end):
        return audio
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    out = audio.astype(np.float32, copy=True)
    if start:
        out[:n] *= ramp
    if end:
        out[-n:] *= ramp[::-1]
    return out


def silence(seconds: float, sample_rate: int) -> np.ndarray:
    return np.zeros(int(round(seconds * sample_rate)), np.float32)


def to_int16(audio: np.ndarray) -> np.ndarray:
    return (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype(np.int16)
