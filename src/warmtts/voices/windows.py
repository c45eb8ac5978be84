"""Running a vocoder over windows of frames, so an utterance's first audio waits for one small
window rather than for the whole utterance.

Each window is decoded with `context` frames of the utterance on either side and only its own
frames' samples are kept. A convolutional vocoder's output at a frame depends only on frames
within its receptive field, so with enough context the joined windows equal the one-shot audio
(tests/voices/test_windows.py compares them for every model family). Windows start small, for a
quick first sound, and grow up to `max_frames`: later windows are due later, and larger ones
spend less of their time on context.

A VITS voice windows its flow too (vits_split.py): the flow runs over the frames the decoder
reads plus `flow_context` either side, for the first window alone and then for several at once.
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
    growth: int = 2  # each window this many times the one before, up to max_seconds

    def plan(
        self, sample_rate: int, hop: int, context: int, min_frames: int = 1, flow_context: int = 0
    ) -> WindowPlan:
        frames_per_second = sample_rate / hop
        first = max(min_frames, round(self.first_seconds * frames_per_second))
        largest = max(first, round(self.max_seconds * frames_per_second))
        return WindowPlan(first, largest, context, min_frames, self.growth, flow_context)


@dataclass(frozen=True)
class WindowPlan:
    """Window sizes in frames; `context` is the vocoder's receptive field, measured per family."""

    first_frames: int
    max_frames: int
    context: int
    min_frames: int = 1  # some vocoders reflect-pad their input and need at least this many frames
    growth: int = 2
    flow_context: int = 0  # a stage before the vocoder that is windowed too (VITS's flow): its reach
    flow_windows: int = 2  # windows one flow call covers after the first: a window and the next

    @property
    def flow_frames(self) -> int:
        """The most frames one flow call gives the decoder after the first window (two of the
        largest windows: the flow costs a third of the decoder a frame, so it is a short step)."""
        return 2 * self.max_frames

    def spans(self, total: int) -> list[tuple[int, int]]:
        """(start, end) of each window; a short remainder joins the window before it."""
        spans: list[tuple[int, int]] = []
        start, size = 0, self.first_frames
        while start < total:
            end = min(total, start + size)
            if total - end < max(self.first_frames, self.min_frames) // 2:
                end = total
            spans.append((start, end))
            start, size = end, min(self.max_frames, size * self.growth)
        return spans


def decode_windows(
    decode: Callable[[np.ndarray], np.ndarray], frames: np.ndarray, axis: int, hop: int, plan: WindowPlan,
    flow: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Iterator[tuple[np.ndarray, bool]]:
    """Audio for each window of `frames` (frames along `axis`), `hop` samples per frame, and
    whether it is the last window. With `flow`, `frames` are the flow's input and the decoder's
    are the flow's output (frame for frame, on the same axis). The flow runs for the first
    window alone (first audio waits for no more), then once per `plan.flow_windows` windows, as
    many as `plan.flow_frames` holds: each flow call pays its context once, not once per window.
    Two windows, not as many as fit: the second step, which the first window's 0.25 s of audio
    must cover, ran the flow for 6 s of frames (0.10-0.12 s of a worker on an idle machine), so on
    a machine twice as slow a stream alone ran dry after its first window."""
    total = frames.shape[axis]
    spans = plan.spans(total)
    needs = [_decoder_input(plan, start, end, total) for start, end in spans]
    flowed, flowed_from, flowed_to = frames, 0, total
    for index, ((start, end), (left, right)) in enumerate(zip(spans, needs)):
        if flow is not None and not (flowed_from <= left and right <= flowed_to and index):
            last = index
            while (index and last + 1 < len(needs) and last + 1 - index < plan.flow_windows
                   and needs[last + 1][1] - left <= plan.flow_frames):
                last += 1
            flowed_from, flowed_to = left, needs[last][1]
            outer_left, outer_right = max(0, left - plan.flow_context), min(total, flowed_to + plan.flow_context)
            whole = flow(np.take(frames, np.arange(outer_left, outer_right), axis=axis))
            flowed = np.take(whole, np.arange(left - outer_left, flowed_to - outer_left), axis=axis)
        latent = np.take(flowed, np.arange(left - flowed_from, right - flowed_from), axis=axis)
        audio = decode(latent).reshape(-1)
        if len(audio) != (right - left) * hop:
            raise ValueError(f"vocoder gave {len(audio)} samples for {right - left} frames, not {hop} a frame")
        offset = (start - left) * hop
        yield audio[offset : offset + (end - start) * hop], index == len(spans) - 1


def _decoder_input(plan: WindowPlan, start: int, end: int, total: int) -> tuple[int, int]:
    """The frames the decoder reads for window [start, end): its own and `context` either side."""
    left, right = max(0, start - plan.context), min(total, end + plan.context)
    if right - left < plan.min_frames:  # widen a tiny utterance's only window, within bounds
        left, right = max(0, end - plan.min_frames), min(total, max(right, left + plan.min_frames))
    return left, right


def receptive_field(
    decode: Callable[[np.ndarray], np.ndarray], shape: tuple[int, ...], axis: int, hop: int, probes: int = 4
) -> int:
    """The context in frames either side that makes windows equal the one-shot decoder: how far
    one frame's change reaches in the output, measured by decoding random frames with and
    without a large change at the middle one. A call on the same shape is deterministic, so
    every output sample that differs lies within the reach. The reach is structural (kernels,
    dilations, upsampling), but at its fringe a change can round away in float32 or in a
    saturated activation (MB-MelGAN's varied by two frames between inputs), so the widest of
    several `probes` counts."""
    frames = max(shape[axis], 64)
    while True:
        before = after = 0  # samples before and after the changed frame's own that it moves
        for seed in range(probes):
            size = [frames if i == axis else n for i, n in enumerate(shape)]
            base = np.random.default_rng(seed).standard_normal(size).astype(np.float32)
            probe = base.copy()
            middle = frames // 2
            np.moveaxis(probe, axis, 0)[middle] += 10.0
            changed = np.nonzero(decode(base).reshape(-1) != decode(probe).reshape(-1))[0]
            if len(changed) == 0:
                raise ValueError("changing a frame changed no output sample: not a frame-wise decoder")
            before = max(before, middle * hop - int(changed[0]))
            after = max(after, int(changed[-1]) - ((middle + 1) * hop - 1))
        context = max(-(-before // hop), -(-after // hop), 1)
        if 2 * context + 2 < frames:  # the reach stayed inside the probe
            return context
        frames *= 2
        if frames > 4096:
            raise ValueError("a frame's change reaches past 2048 frames: not a windowable decoder")
