"""Time-stretching a stream window by window, for speeds past what a model's duration scale does
well (params.py): WSOLA from audiotsm, whose state runs on across windows, so the stretched
windows join without a seam and the audio still streams.

WSOLA suits speech: it moves whole waveform periods, so pitch and timbre stay as they were,
and it costs a few milliseconds a second of audio. It holds back about one frame (43 ms at
24 kHz); `finish` pushes it out and trims the run to its exact stretched length.
"""

from __future__ import annotations

import numpy as np
from audiotsm import wsola
from audiotsm.io.array import ArrayReader, ArrayWriter

FRAME = 1024  # samples per WSOLA frame: 40-50 ms at our rates, a few pitch periods of speech


class TimeStretcher:
    """Plays mono float audio `speed` times as fast (0.5: twice as long), fed window by window."""

    def __init__(self, speed: float) -> None:
        self._speed = speed
        self._tsm = wsola(1, speed=speed, frame_length=FRAME)
        self._taken = 0
        self._given = 0

    def feed(self, audio: np.ndarray) -> np.ndarray:
        """What can be stretched of `audio` now."""
        self._taken += len(audio)
        return self._run(audio)

    def finish(self) -> np.ndarray:
        """The rest, so the whole run lasts its input's length divided by the speed."""
        want = max(0, round(self._taken / self._speed) - self._given)
        tail = [self._run(np.zeros(FRAME, np.float32))]  # silence pushes the last frame through
        writer = ArrayWriter(1)
        while not self._tsm.flush_to(writer)[1]:
            pass
        tail.append(writer.data[0].astype(np.float32))
        out = np.concatenate(tail)[:want]
        return np.pad(out, (0, want - len(out)))

    def _run(self, audio: np.ndarray) -> np.ndarray:
        reader = ArrayReader(np.asarray(audio, np.float32)[np.newaxis, :])
        writer = ArrayWriter(1)
        finished = False
        while not (finished and reader.empty):
            self._tsm.read_from(reader)
            _, finished = self._tsm.write_to(writer)
        out = writer.data[0].astype(np.float32)
        self._given += len(out)
        return out
