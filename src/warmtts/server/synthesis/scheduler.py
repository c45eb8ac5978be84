"""A bounded pool of synthesis threads that takes the most urgent step first.

Every request's synthesis advances one step (a piece of speech, synthesised and encoded) at a
time. A stream that has started playing has a hard deadline (when its listener runs out of the
audio already sent); a request waiting for its first audio has only a soft one (the sooner the
better). A worker that frees up chooses, at that moment:

1. the oldest first step, if taking it now still leaves time for every queued later step to
   finish before its listener runs dry (the workers' time is summed in deadline order, as an
   earliest-deadline-first schedule would spend it, after what the steps already running on
   the other workers still need, with `guard_seconds` to spare);
2. else the later step whose listener runs dry first.

So a newly arrived client hears its first audio before streams with audio in hand get their
next piece, but never at the price of a gap in audio that is already playing. Plain
earliest-deadline-first would serve every first step of a burst before any second step, and
every stream that had started would run dry: a burst's streams start one after another, as
fast as the ones already playing allow.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# Covers timing jitter: steps that take longer than expected. It was 1.0 s while it covered the
# steps running on the other workers too (0.5 s then let streams of a retrying zh-baker burst run
# dry by up to 0.23 s), before `pick` counted their expected rest. In the replay of en-joe steps
# at 8 closed-loop clients (tests/server/test_closed_loop_replay.py, re-recorded with a flow call
# per two windows) the p95 of first audio is 0.72 s with the old choice, 0.61 s at 0.5 s, 0.55 s
# at 0.25 s and 0.52 s at 0, none dry: 0.5 s keeps more cover on a machine shared with others.
GUARD_SECONDS = 0.5


@dataclass
class _Job:
    due: float  # a first step: when it arrived; a later step: when its listener runs dry
    work: float  # expected worker seconds
    first: bool
    seq: int
    fn: Callable[[], Any] = field(repr=False)
    future: asyncio.Future[Any] | concurrent.futures.Future[Any] = field(repr=False)
    loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    queued_at: float = field(default_factory=time.perf_counter, repr=False)


class Scheduler:
    def __init__(self, workers: int, guard_seconds: float = GUARD_SECONDS) -> None:
        self.workers = workers
        self.guard_seconds = guard_seconds
        self._jobs: list[_Job] = []
        self._changed = threading.Condition()
        self._seq = itertools.count()
        self._busy = 0
        self._running: dict[int, tuple[float, float]] = {}  # seq -> (started, expected work)
        self._warming = False  # a warm-up holds every worker, to the end of its slowest call
        self._stopping = False
        self._threads = [threading.Thread(target=self._work, name=f"synth-{i}", daemon=True) for i in range(workers)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    @property
    def busy(self) -> int:
        """Workers running a step right now."""
        return self._busy

    async def run(self, fn: Callable[[], T], due: float, work: float, first: bool) -> T:
        """Run `fn` (about `work` seconds) on a worker; `due` is when a first step arrived, or
        when a later step's listener runs out of audio (time.perf_counter() seconds).
        Cancelling the await drops the job if no worker has taken it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        job = _Job(due, work, first, next(self._seq), fn, future, loop)
        future.add_done_callback(lambda done: self._drop(job) if done.cancelled() else None)
        self._put(job)
        return await future

    def _drop(self, job: _Job) -> None:
        """Forget a job whose client went away: its work no longer holds back first steps."""
        with self._changed:
            if job in self._jobs:
                self._jobs.remove(job)

    def _put(self, job: _Job) -> None:
        with self._changed:
            self._jobs.append(job)
            self._changed.notify()

    def _pick(self, now: float) -> _Job:
        running = sum(max(0.0, work - (now - started)) for started, work in self._running.values())
        job = pick(self._jobs, now, self.workers, self.guard_seconds, running)
        self._jobs.remove(job)
        return job

    def _take(self) -> _Job | None:
        with self._changed:
            while True:
                if self._stopping:
                    return None
                if self._jobs:
                    now = time.perf_counter()
                    job = self._pick(now)
                    if not job.future.done():  # not cancelled meanwhile
                        self._busy += 1
                        self._running[job.seq] = (now, job.work)
                        return job
                    continue
                self._changed.wait()

    def _work(self) -> None:
        while (job := self._take()) is not None:
            started = time.perf_counter()
            try:
                result = job.fn()
            except BaseException as exc:  # handed to the awaiting request, which reports it
                _settle(job, None, exc)
            else:
                _settle(job, result, None)
            finally:
                with self._changed:
                    self._busy -= 1
                    self._running.pop(job.seq, None)
            if log.isEnabledFor(logging.DEBUG):  # where first audio's time goes: waiting, or the step itself
                log.debug("step first=%d wait_seconds=%.4f compute_seconds=%.4f expected_seconds=%.4f queued=%d",
                          job.first, started - job.queued_at, time.perf_counter() - started, job.work, len(self._jobs))

    def alone(self) -> bool:
        """Whether the step running now is the only work: then its model calls may use every
        core. Read without the lock: a stale answer costs one call's speed, never correctness."""
        return not self._warming and self._busy <= 1 and not self._jobs

    def run_on_every_worker(self, fn: Callable[[], T], timeout: float = 120.0) -> list[T]:
        """Run `fn` once on each worker thread at once and wait (blocking; not from the event loop).

        Inference is slower the first time a thread runs it (ONNX Runtime and numpy set up
        per-thread buffers), so a warm-up in one thread alone left the first real requests
        about 30 % slower than later ones. Calls must not overlap: each holds every worker.
        """
        barrier = threading.Barrier(len(self._threads))

        def hold_one_worker() -> T:
            barrier.wait(timeout)  # one job per thread: none may take two
            return fn()

        futures: list[concurrent.futures.Future[T]] = []
        self._warming = True  # every call stays narrow, as under load: the warm-up measures that
        try:
            for _ in self._threads:
                futures.append(concurrent.futures.Future())
                self._put(_Job(float("-inf"), 0.0, True, next(self._seq), hold_one_worker, futures[-1]))
            return [future.result(timeout) for future in futures]
        finally:
            self._warming = False

    def shutdown(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()


class Queued(Protocol):
    """What the choice of the next step looks at (a queued job; a simulated one in tests)."""

    due: float
    work: float
    first: bool
    seq: int


Q = TypeVar("Q", bound=Queued)


def pick(jobs: list[Q], now: float, workers: int, guard_seconds: float, running: float = 0.0) -> Q:
    """The step a free worker takes next (the rules in this module's docstring); `jobs` is not
    empty; `running` is the expected worker seconds the steps running now still need."""
    later = sorted((j for j in jobs if not j.first), key=_order)
    first = min((j for j in jobs if j.first), key=_order, default=None)
    if first is not None and (not later or _fits(first, later, now, workers, guard_seconds, running)):
        return first
    return later[0]


def _order(job: Queued) -> tuple[float, int]:
    return job.due, job.seq


def _fits(first: Queued, later: list[Q], now: float, workers: int, guard_seconds: float, running: float) -> bool:
    """Whether the workers, finishing the steps running now, doing `first` now and then `later`
    in deadline order, finish each later step `guard_seconds` before its listener runs dry."""
    work = running + first.work
    for job in later:
        work += job.work
        if now + work / workers > job.due - guard_seconds:
            return False
    return True


def _settle(job: _Job, result: Any, exc: BaseException | None) -> None:
    future = job.future
    if isinstance(future, concurrent.futures.Future):
        if exc is None:
            future.set_result(result)
        else:
            future.set_exception(exc)
    elif job.loop is not None:
        job.loop.call_soon_threadsafe(_set_async, future, result, exc)


def _set_async(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is None:
        future.set_result(result)
    else:
        future.set_exception(exc)
