"""The worker pool: which step goes first, cancellation, one job per worker at warm-up."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from warmtts.server.synthesis.scheduler import Scheduler, pick


@dataclass
class Job:
    """A queued step as `pick` sees it."""

    due: float
    work: float
    first: bool
    seq: int


def run_in_order(jobs: list[tuple[str, float, bool]]) -> list[str]:
    """Queue `jobs` (name, due relative to now, first?; each 0.1 s of expected work) while the
    only worker is busy, then let it go, and return the order they ran in (a 0.5 s guard)."""
    scheduler = Scheduler(workers=1, guard_seconds=0.5)
    scheduler.start()
    order: list[str] = []
    gate = threading.Event()

    async def main() -> None:
        now = time.perf_counter()
        blocker = asyncio.ensure_future(scheduler.run(gate.wait, now, 0.0, first=True))  # holds the worker
        while scheduler.busy == 0:
            await asyncio.sleep(0.001)
        tasks = [
            asyncio.ensure_future(scheduler.run(lambda name=name: order.append(name), now + due, 0.1, first))
            for name, due, first in jobs
        ]
        await asyncio.sleep(0.01)  # every job is queued before the worker frees
        gate.set()
        await asyncio.gather(blocker, *tasks)

    try:
        asyncio.run(main())
    finally:
        scheduler.shutdown()
    return order


def test_a_new_requests_first_step_goes_before_other_streams_later_steps() -> None:
    order = run_in_order([
        ("later, runs dry in 3 s", 3.0, False),
        ("later, runs dry in 2 s", 2.0, False),
        ("first step, arrived just now", 0.0, True),
        ("first step, arrived a second ago", -1.0, True),
    ])
    assert order == [
        "first step, arrived a second ago", "first step, arrived just now", "later, runs dry in 2 s", "later, runs dry in 3 s"
    ]


def test_a_stream_about_to_run_dry_goes_before_new_requests() -> None:
    order = run_in_order([
        ("first step", -1.0, True),
        ("later, runs dry in 2 s", 2.0, False),
        # within the guard (0.5 s) of running dry, with 0.1 s of work before it if a first step went now
        ("later, runs dry in 0.65 s", 0.65, False),
        ("later, ran dry", -0.2, False),
    ])
    assert order == ["later, ran dry", "later, runs dry in 0.65 s", "first step", "later, runs dry in 2 s"]


def test_a_burst_starts_streams_only_as_fast_as_the_started_ones_can_keep_playing() -> None:
    # One worker, 0.1 s expected a step, three playing streams that run dry in 0.85 s: a new
    # start now, then a, b and c, would finish c at 0.4 s, inside the 0.5 s guard, so a goes
    # first; then two later steps are left, and new starts fit (these steps take no real time).
    order = run_in_order([
        ("new 1", 0.0, True), ("new 2", 0.0, True),
        ("a", 0.85, False), ("b", 0.85, False), ("c", 0.85, False),
    ])
    assert order == ["a", "new 1", "new 2", "b", "c"]


def test_a_cancelled_job_is_never_run() -> None:
    scheduler = Scheduler(workers=1)
    scheduler.start()
    ran: list[str] = []
    gate = threading.Event()

    async def main() -> None:
        blocker = asyncio.ensure_future(scheduler.run(gate.wait, 0.0, 0.0, first=True))
        while scheduler.busy == 0:
            await asyncio.sleep(0.001)
        gone = asyncio.ensure_future(scheduler.run(lambda: ran.append("gone"), 1.0, 0.0, first=True))
        kept = asyncio.ensure_future(scheduler.run(lambda: ran.append("kept"), 2.0, 0.0, first=True))
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
            await scheduler.run(boom, 0.0, 0.0, first=True)
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


def test_a_step_is_alone_only_while_no_other_work_runs_or_waits() -> None:
    scheduler = Scheduler(workers=2)
    scheduler.start()
    seen: dict[str, bool] = {}
    gate = threading.Event()

    async def main() -> None:
        now = time.perf_counter()
        await scheduler.run(lambda: seen.setdefault("alone", scheduler.alone()), now, 0.0, first=True)
        holder = asyncio.ensure_future(scheduler.run(gate.wait, now, 0.0, first=True))
        while scheduler.busy == 0:
            await asyncio.sleep(0.001)
        await scheduler.run(lambda: seen.setdefault("beside another", scheduler.alone()), now, 0.0, first=True)
        gate.set()
        await holder

    try:
        asyncio.run(main())
        warming = scheduler.run_on_every_worker(scheduler.alone)  # measures speed under contention
    finally:
        scheduler.shutdown()
    assert seen == {"alone": True, "beside another": False}
    assert warming == [False, False]


def test_a_first_step_waits_for_what_the_steps_running_on_other_workers_still_need() -> None:
    """Two workers; one runs a step still expected to take 0.6 s. A first step now, then a later
    step due in 0.75 s (0.1 s each), would fit the 0.5 s guard if the running step were done
    (0.2 / 2 ≤ 0.25), but not after it ((0.6 + 0.2) / 2 > 0.25): the later step goes first."""
    first = Job(due=-1.0, work=0.1, first=True, seq=0)
    later = Job(due=0.75, work=0.1, first=False, seq=1)
    assert pick([first, later], now=0.0, workers=2, guard_seconds=0.5) is first
    assert pick([first, later], now=0.0, workers=2, guard_seconds=0.5, running=0.6) is later
    assert pick([first, later], now=0.0, workers=2, guard_seconds=0.5, running=0.2) is first


def test_the_scheduler_counts_the_expected_rest_of_a_running_step() -> None:
    """The same choice in the pool: the first worker holds a step expected to take 0.6 s (it
    waits for a gate), the second frees up with a first step and a later one due in 0.75 s."""
    scheduler = Scheduler(workers=2, guard_seconds=0.5)
    scheduler.start()
    order: list[str] = []
    long_step, short_hold = threading.Event(), threading.Event()

    async def main() -> None:
        now = time.perf_counter()
        running = asyncio.ensure_future(scheduler.run(long_step.wait, now, 0.6, first=False))
        holder = asyncio.ensure_future(scheduler.run(short_hold.wait, now, 0.0, first=False))
        while scheduler.busy < 2:
            await asyncio.sleep(0.001)
        tasks = [
            asyncio.ensure_future(scheduler.run(lambda: order.append("first step"), now - 1.0, 0.1, first=True)),
            asyncio.ensure_future(scheduler.run(lambda: order.append("later step"), now + 0.75, 0.1, first=False)),
        ]
        await asyncio.sleep(0.01)
        short_hold.set()  # the second worker frees while the 0.6 s step still runs
        await asyncio.gather(holder, *tasks)
        long_step.set()
        await running

    try:
        asyncio.run(main())
    finally:
        scheduler.shutdown()
    assert order == ["later step", "first step"]
