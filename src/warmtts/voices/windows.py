"""Running a vocoder over windows of frames, so an utterance's first audio waits for one small
window rather than for the whole utterance.

Each window is decoded with `context` frames of the utterance on either side and only its own
frames' samples are kept. A convolutional vocoder's output at a frame depends only on frames
within its receptive field, so with enough context the joined windows equal the one-shot audio
(tests/voices/test_windows.py compares them for every model family). Windows start small, for a
quick first sound, and double up to `max_frames`: later windows are due later, and larger ones
spend less of their time on context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WindowSizes:
    """The configured window sizes in seconds of audio; each voice turns them into frames."""

    first_seconds: float = 0.25
    max_seconds: float = 3.0

    def plan(self, sample_rate: int, hop: int, context: int, min_frames: int = 1) -> WindowPlan:
        frames_per_second = sample_rate / hop
        first = max(min_frames, round(self.first_seconds * frames_per_second))
        return WindowPlan(first, max(first, round(self.max_seconds * frames_per_second)), context, min_frames)


@dataclass(frozen=True)
class WindowPlan:
    """Window sizes in frames; `context` is the vocoder's receptive field, measured per family."""

    first_frames: int
    max_frames: int
    context: int
    min_frames: int = 1  # some vocoders reflect-pad their input and need at least this many frames

    def spans(self, total: int) -> list[tuple[int, int]]:
        """(start, end) of each window; a short remainder joins the window before it."""
        spans: list[tuple[int, int]] = []
        start, size = 0, self.first_frames
        while start < total:
            end = min(total, start + size)
            if total - end < max(self.first_frames, self.min_frames) // 2:
                end = total
            spans.append((start, end))
            start, size = end, min(self.max_frames, size * 2)
        return spans


def decode_windows(
    decode: Callable[[np.ndarray], np.ndarray], frames: np.ndarray, axis: int, hop: int, plan: WindowPlan
) -> Iterator[tuple[np.ndarray, bool]]:
    """Audio for each window of `frames` (frames along `axis`), `hop` samples per frame, and
    whether it is the last window."""
    total = frames.shape[axis]
    spans = plan.spans(total)
    for index, (start, end) in enumerate(spans):
        left = max(0, start - plan.context)
        right = min(total, end + plan.context)
        if right - left < plan.min_frames:  # widen a tiny utterance's only window, within bounds
            left, right = max(0, end - plan.min_frames), min(total, max(right, left + plan.min_frames))
        audio = decode(np.take(frames, np.arange(left, right), axis=axis)).reshape(-1)
        if len(audio) != (right - left) * hop:
            raise ValueError(f"vocoder gave {len(audio)} samples for {right - left} frames, not {hop} a frame")
        offset = (start - left) * hop
        yield audio[offset : offset + (end - start) * hop], index == len(spans) - 1
