"""Changing a stream's sample rate chunk by chunk, for clients that expect one rate whatever the
voice (OpenAI's pcm is 24 kHz), and for a run whose voice has another rate than its stream:
the filter's state runs on across chunks, so there is no seam."""

from __future__ import annotations

import numpy as np
import soxr


class RateConverter:
    def __init__(self, from_rate: int, to_rate: int, dtype: str = "int16") -> None:
        self._dtype = np.dtype(dtype)
        self._stream = soxr.ResampleStream(from_rate, to_rate, 1, dtype=dtype, quality="HQ")

    def feed(self, pcm: np.ndarray) -> np.ndarray:
        """What can be resampled of `pcm` now (the filter holds back a few milliseconds)."""
        return self._stream.resample_chunk(pcm)

    def finish(self) -> np.ndarray:
        return self._stream.resample_chunk(np.zeros(0, self._dtype), last=True)
