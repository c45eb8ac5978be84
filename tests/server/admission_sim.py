"""A simulated server for the admission tests: the real Capacity and the scheduler's real choice
of the next step, with recorded step costs (bench/step_costs.py) and a simulated clock.

Each admitted stream replays a recorded stream step by step: a step takes its recorded worker
seconds on one of the workers, is queued with the due time and expected work a Job gives it,
and reports to its reservation as a Job does. A stream's response is sent the moment its
synthesis ends. Nothing sleeps: the clock jumps from one step's end to the next.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warmtts.errors import OverloadedError
from warmtts.server.synthesis.capacity import Capacity, Reservation
from warmtts.server.synthesis.scheduler import GUARD_SECONDS, pick

RECORDED = Path(__file__).resolve().parent / "data" / "zh_baker_steps.json"
VOICE = "zh-baker"


def recorded() -> dict[str, Any]:
    return json.loads(RECORDED.read_text())


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Stream:
    reservation: Reservation
    steps: list[dict[str, float]]
    arrived: float
    done: int = 0
    first_audio_at: float | None = None
    audio: float = 0.0
    worst_deficit: float = float("-inf")  # how far behind real time its listener fell; ≤ 0: never

    @property
    def dry_at(self) -> float:
        assert self.first_audio_at is not None
        return self.first_audio_at + self.audio


@dataclass
class Queued:
    due: float
    work: float
    first: bool
    seq: int
    stream: Stream = field(repr=False)


class Simulation:
    """The scheduler's whole choice: a free worker also counts what the steps running on the
    others are still expected to need (their expected work, as queued, less the time they have
    run), as Scheduler does; `counts_running` False: the choice before it did."""

    def __init__(
        self, capacity: Capacity, clock: Clock, guard_seconds: float = GUARD_SECONDS, voice: str = VOICE,
        counts_running: bool = True,
    ) -> None:
        self.capacity = capacity
        self.voice = voice
        self.clock = clock
        self.guard_seconds = guard_seconds
        self.counts_running = counts_running
        self.expected: dict[int, tuple[float, float]] = {}  # id(stream) -> (started, expected work)
        self.queue: list[Queued] = []
        self.running: list[tuple[float, bool, Stream]] = []  # (ends at, contended, stream)
        self.streams: list[Stream] = []
        self.last_step_at = 0.0  # when the last step so far ended
        self._seq = itertools.count()

    def send(self, steps: list[dict[str, float]], chars: int) -> Stream | OverloadedError:
        """A request arrives now: admitted (its first step queued) or refused."""
        try:
            reservation = self.capacity.reserve(self.voice, chars, 1.0)
        except OverloadedError as refused:
            return refused
        stream = Stream(reservation, steps, self.clock.now)
        self.streams.append(stream)
        self._queue(stream)
        return stream

    def admits(self, chars: int) -> bool:
        """Whether a request would be admitted now (a probe: it is let go at once)."""
        try:
            self.capacity.reserve(self.voice, chars, 1.0).release()
        except OverloadedError:
            return False
        return True

    def _queue(self, stream: Stream) -> None:
        work = self.capacity.step_work(stream.reservation)
        first = stream.first_audio_at is None
        due = stream.arrived if first else stream.dry_at
        self.queue.append(Queued(due, work, first, next(self._seq), stream))

    def run_until(self, until: float) -> None:
        workers = self.capacity.workers
        while True:
            while self.queue and len(self.running) < workers:
                now = self.clock.now
                rest = sum(max(0.0, work - (now - started)) for started, work in self.expected.values())
                job = pick(self.queue, now, workers, self.guard_seconds, rest if self.counts_running else 0.0)
                self.queue.remove(job)
                cost = job.stream.steps[job.stream.done]["compute"]
                self.expected[id(job.stream)] = (now, job.work)
                self.running.append((now + cost, len(self.running) + 1 >= workers, job.stream))
            if not self.running:
                self.clock.now = max(self.clock.now, until)
                return
            ends, contended, stream = min(self.running, key=lambda r: r[0])
            if ends > until:
                self.clock.now = until
                return
            self.clock.now = ends
            self.running.remove((ends, contended, stream))
            del self.expected[id(stream)]
            self._finish_step(stream, contended)

    def _finish_step(self, stream: Stream, contended: bool) -> None:
        step = stream.steps[stream.done]
        stream.done += 1
        now = self.last_step_at = self.clock.now
        if stream.first_audio_at is None:
            stream.first_audio_at = now
        else:
            stream.worst_deficit = max(stream.worst_deficit, now - stream.dry_at)
        stream.audio += step["audio"]
        stream.reservation.progress(step["compute"], step["audio"], int(step["chars"]), contended, step["opens"])
        if stream.done == len(stream.steps):
            stream.reservation.finish()
            stream.reservation.release()
        else:
            self._queue(stream)

    def playing(self) -> list[Stream]:
        return [s for s in self.streams if s.done < len(s.steps)]
