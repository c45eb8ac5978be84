"""A bounded pool of synthesis threads that serves the most urgent step first.

Every request's synthesis advances one step (a piece of speech, synthesised and encoded) at a
time, and each step carries a deadline: for a request's first step, the moment it arrived; for
a later step, the moment its listener would run out of the audio already sent. Workers always
take the earliest deadline (EDF), so a newly arrived client hears its first audio before
streams that have audio in hand get their next piece, and a stream close to running dry goes
before both. Work is never dropped or reordered for any other reason.
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

log = logging.getLogger(__name__)
T = TypeVar("T")

_URGENT = float("-inf")  # warm-up jobs go before any request
_STOP = float("inf")  # a stop marker goes after all queued work


@dataclass(order=True)
class _Job:
    deadline: float
    seq: int
    fn: Callable[[], Any] | None = field(compare=False)  # None: stop the worker
    future: asyncio.Future[Any] | None = field(compare=False, default=None)
    loop: asyncio.AbstractEventLoop | None = field(compare=False, default=None)


class Scheduler:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._queue: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._busy = 0
        self._threads = [threading.Thread(target=self._work, name=f"synth-{i}", daemon=True) for i in range(workers)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    @property
    def busy(self) -> int:
        """Workers running a step right now."""
        return self._busy

    async def run(self, fn: Callable[[], T], deadline: float) -> T:
        """Run `fn` on a worker in deadline order (time.perf_counter() seconds).

        Cancelling the await drops the job if no worker has taken it yet.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(deadline, next(self._seq), fn, future, loop))
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
            except BaseException as exc:  # handed to the awaiting request, which reports it
                if job.loop is not None:
                    job.loop.call_soon_threadsafe(_set_exception, job.future, exc)
            else:
                if job.loop is not None:
                    job.loop.call_soon_threadsafe(_set_result, job.future, result)
            finally:
                with self._lock:
                    self._busy -= 1

    def run_on_every_worker(self, fn: Callable[[], T], timeout: float = 120.0) -> list[T]:
        """Run `fn` once on each worker thread at once and wait (blocking; not from the event loop).

        Inference is slower the first time a thread runs it (ONNX Runtime and numpy set up
        per-thread buffers), so a warm-up in one thread alone left the first real requests
        about 30 % slower than later ones. Calls must not overlap: each holds every worker.
        """
        barrier = threading.Barrier(len(self._threads))
        results: list[concurrent.futures.Future[T]] = []
        for _ in self._threads:
            done: concurrent.futures.Future[T] = concurrent.futures.Future()

            def job(done: concurrent.futures.Future[T] = done) -> None:
                try:
                    barrier.wait(timeout)  # one job per thread: none may take two
                    result = fn()
                except BaseException as exc:
                    done.set_exception(exc)
                else:
                    done.set_result(result)

            results.append(done)
            self._queue.put(_Job(_URGENT, next(self._seq), job))
        return [done.result(timeout) for done in results]

    def shutdown(self) -> None:
        for _ in self._threads:
            self._queue.put(_Job(_STOP, next(self._seq), None))


def _set_result(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
