"""A bounded pool of synthesis threads that serves first chunks before later ones.

Every request's synthesis advances one piece at a time: each step is a job. A request's first
step is queued at high priority, so a newly arrived client hears its first audio after the
work already running, not after every queued later piece of every other stream.

Admission is bounded too: at most `workers + max_queue` requests are in progress; past that a
new one is refused at once (OverloadedError → 429), never queued without limit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from warmtts.errors import OverloadedError
from warmtts.memory import release_free_memory

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST, LATER = 0, 1


@dataclass(order=True)
class _Job:
    priority: int
    seq: int
    fn: Callable[[], Any] | None = field(compare=False)  # None: stop the worker
    future: asyncio.Future[Any] | None = field(compare=False, default=None)
    loop: asyncio.AbstractEventLoop | None = field(compare=False, default=None)


class Admission:
    """One admitted request's place; `release` is idempotent, so every exit path may call it."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._scheduler._leave()


class Scheduler:
    def __init__(self, workers: int, max_queue: int) -> None:
        self._queue: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._limit = workers + max_queue
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._busy = 0
        self._admitted = 0
        self._threads = [threading.Thread(target=self._work, name=f"synth-{i}", daemon=True) for i in range(workers)]
        for thread in self._threads:
            thread.start()

    @property
    def busy(self) -> int:
        """Workers running a synthesis step right now."""
        return self._busy

    @property
    def admitted(self) -> int:
        return self._admitted

    def admit(self) -> Admission:
        with self._lock:
            if self._admitted >= self._limit:
                raise OverloadedError(f"server busy: {self._admitted} requests in progress; retry shortly")
            self._admitted += 1
        return Admission(self)

    def _leave(self) -> None:
        with self._lock:
            self._admitted -= 1
            idle = self._admitted == 0
        if idle:  # a burst is over: give its memory back (off the event loop; a few ms)
            threading.Thread(target=release_free_memory, name="trim", daemon=True).start()

    async def run(self, fn: Callable[[], T], priority: int = LATER) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(priority, next(self._seq), fn, future, loop))
        return await future

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job.fn is None:
                return
            if job.future is not None and job.future.cancelled():  # the client went away meanwhile
                continue
            with self._lock:
                self._busy += 1
            try:
                result = job.fn()
            except BaseException as exc:  # handed to the awaiting request, which logs it
                if job.loop is not None:
                    job.loop.call_soon_threadsafe(_set_exception, job.future, exc)
            else:
                if job.loop is not None:
                    job.loop.call_soon_threadsafe(_set_result, job.future, result)
            finally:
                with self._lock:
                    self._busy -= 1

    def run_on_every_worker(self, fn: Callable[[], None], timeout: float = 120.0) -> None:
        """Run `fn` once on each worker thread and wait (blocking; not from the event loop).

        Inference is slower the first time a thread runs it (ONNX Runtime and numpy set up
        per-thread buffers), so warming the engine in the preload thread alone left the
        first real requests about 30 % slower than later ones.
        """
        barrier = threading.Barrier(len(self._threads))
        results: list[concurrent.futures.Future[None]] = []
        for _ in self._threads:
            done: concurrent.futures.Future[None] = concurrent.futures.Future()

            def job(done: concurrent.futures.Future[None] = done) -> None:
                try:
                    barrier.wait(timeout)  # one job per thread: none may take two
                    fn()
                except BaseException as exc:
                    done.set_exception(exc)
                else:
                    done.set_result(None)

            results.append(done)
            self._queue.put(_Job(FIRST, next(self._seq), job))
        for done in results:
            done.result(timeout)

    def shutdown(self) -> None:
        for _ in self._threads:
            self._queue.put(_Job(99, next(self._seq), None))


def _set_result(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
