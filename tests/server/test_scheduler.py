"""The worker pool: earliest deadline first, cancellation, one job per worker at warm-up."""

from __future__ import annotations

import asyncio
import threading
import time

from warmtts.server.scheduler import Scheduler


def test_a_new_requests_first_step_goes_before_other_streams_later_steps() -> None:
    scheduler = Scheduler(workers=1)
    scheduler.start()
    order: list[str] = []
    gate = threading.Event()

    async def main() -> None:
        now = time.perf_counter()
        blocker = asyncio.ensure_future(scheduler.run(gate.wait, now))  # holds the only worker
        while scheduler.busy == 0:
            await asyncio.sleep(0.001)
        # Two streams with audio in hand (due in 2 s and 1 s), then a new request (due now),
        # then a stream about to run dry (due half a second ago).
        jobs = [
            scheduler.run(lambda: order.append("later, due in 2 s"), now + 2.0),
            scheduler.run(lambda: order.append("later, due in 1 s"), now + 1.0),
            scheduler.run(lambda: order.append("first step of a new request"), now),
            scheduler.run(lambda: order.append("late stream"), now - 0.5),
        ]
        tasks = [asyncio.ensure_future(job) for job in jobs]
        await asyncio.sleep(0.01)  # every job is queued before the worker frees
        gate.set()
        await asyncio.gather(blocker, *tasks)

    try:
        asyncio.run(main())
    finally:
        scheduler.shutdown()
    assert order == ["late stream", "first step of a new request", "later, due in 1 s", "later, due in 2 s"]


def test_a_cancelled_job_is_never_run() -> None:
    scheduler = Scheduler(workers=1)
    scheduler.start()
    ran: list[str] = []
    gate = threading.Event()

    async def main() -> None:
        blocker = asyncio.ensure_future(scheduler.run(gate.wait, 0.0))
        while scheduler.busy == 0:
            await asyncio.sleep(0.001)
        gone = asyncio.ensure_future(scheduler.run(lambda: ran.append("gone"), 1.0))
        kept = asyncio.ensure_future(scheduler.run(lambda: ran.append("kept"), 2.0))
        await asyncio.sleep(0.01)
        gone.cancel()  # the client went away while its step waited
        gate.set()
        await asyncio.gather(blocker, kept)

    try:
        asyncio.run(main())
    finally:
        scheduler.shutdown()
    assert ran == ["kept"]


def test_an_exception_reaches_the_caller() -> None:
    scheduler = Scheduler(workers=1)
    scheduler.start()

    def boom() -> None:
        raise ValueError("boom")

    async def main() -> str:
        try:
            await scheduler.run(boom, 0.0)
        except ValueError as exc:
            return str(exc)
        return "no exception"

    try:
        assert asyncio.run(main()) == "boom"
    finally:
        scheduler.shutdown()


def test_run_on_every_worker_runs_once_per_thread() -> None:
    scheduler = Scheduler(workers=3)
    scheduler.start()
    try:
        names = scheduler.run_on_every_worker(lambda: threading.current_thread().name)
    finally:
        scheduler.shutdown()
    assert sorted(names) == ["synth-0", "synth-1", "synth-2"]
