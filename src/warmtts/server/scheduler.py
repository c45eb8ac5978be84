"""A bounded pool of synthesis threads that serves first chunks before later ones.

Every request's synthesis advances one piece at a time: each step is a job. A request's first
step is queued at high priority, so a newly arrived client hears its first audio after the
work already running, not after every queued later piece of every other stream. Past
`max_queue` waiting jobs a new request is refused at once (OverloadedError → 429).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from warmtts.errors import OverloadedError

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


class Scheduler:
    def __init__(self, workers: int, max_queue: int) -> None:
        self._queue: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._max_queue = max_queue
        self._seq = itertools.count()
        self._threads = [
            threading.Thread(target=self._work, name=f"synth-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def admit(self) -> None:
        """Refuse a new request when the queue is full, before any work is done for it."""
        if self._queue.qsize() >= self._max_queue:
            raise OverloadedError(f"server busy: {self._queue.qsize()} synthesis steps waiting; retry shortly")

    async def run(self, fn: Callable[[], T], priority: int = LATER) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(priority, next(self._seq), fn, future, loop))
        return await future

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job.fn is None or job.future is None or job.loop is None:
                return
            if job.future.cancelled():  # the client went away while this waited
                continue
            try:
                result = job.fn()
            except BaseException as exc:  # handed to the awaiting request, which logs it
                job.loop.call_soon_threadsafe(_set_exception, job.future, exc)
            else:
                job.loop.call_soon_threadsafe(_set_result, job.future, result)

    def shutdown(self) -> None:
        for _ in self._threads:
            self._queue.put(_Job(99, next(self._seq), None))


def _set_result(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
