"""Admission replayed on recorded step costs (admission_sim.py): the real Capacity and the
scheduler's choice, zh-baker's steps as they cost on two busy workers, a simulated clock.
Deterministic: the same recording always gives the same run."""

from __future__ import annotations

import pytest

from tests.server.admission_sim import Clock, Simulation, recorded
from warmtts.errors import OverloadedError
from warmtts.server.synthesis.capacity import Capacity

WORKERS = 2  # the recording's: two streams at once on two cores


@pytest.fixture(scope="module")
def steps() -> dict:
    return recorded()


def server(steps: dict, max_first_audio_seconds: float = 2.0) -> Simulation:
    """A server with the default admission settings, its voice seeded as the server's warm-up
    seeds it: the recorded warm-up on both workers at once (fresh threads, a short text with an
    English word), which costs 1.8x a long stream's steps per second of audio."""
    clock = Clock()
    capacity = Capacity(
        WORKERS, 0.8, WORKERS + 64, max_first_audio_seconds, 3.0, first_step_seconds=0.25, guard_seconds=1.0, clock=clock
    )
    warm_up = steps["warm_up"]
    capacity.seed("zh-baker", warm_up["compute"], warm_up["audio"], warm_up["chars"])
    return Simulation(capacity, clock)


def long_stream(steps: dict, index: int) -> tuple[list[dict[str, float]], int]:
    recorded_streams = steps["long"]["steps"]
    return recorded_streams[index % len(recorded_streams)], steps["long"]["chars"]


def saturate(sim: Simulation, steps: dict) -> OverloadedError:
    """A burst of 48 long streams (one try each), then one more every 5 s until one is refused
    because the streams admitted fill the workers: that refusal."""
    for i in range(48):
        sim.send(*long_stream(steps, i))
    at = 0.0
    while True:
        at += 5.0
        sim.run_until(at)
        result = sim.send(*long_stream(steps, int(at)))
        if isinstance(result, OverloadedError) and "server at capacity" in str(result):
            return result
        assert at < 300, "never saturated"


def waited_for_admission(sim: Simulation, chars: int, limit: float, probe: float = 0.25) -> float:
    """Seconds from now until a request of `chars` would be admitted, probing every `probe` s."""
    start = waited = sim.clock.now
    while not sim.admits(chars):
        waited += probe
        sim.run_until(waited)
        assert waited - start < limit, "never admitted"
    return waited - start


def test_retry_after_for_load_is_within_twice_the_wait_that_followed(steps: dict) -> None:
    """Saturate; probing every quarter second finds when the refused request would really have
    been admitted: at its Retry-After it is, and not before half of it."""
    sim = server(steps)
    refused = saturate(sim, steps)
    retry = refused.retry_after
    assert retry is not None and retry > 10  # the streams admitted end minutes later
    waited = waited_for_admission(sim, steps["long"]["chars"], 10 * retry)
    assert retry / 2 <= waited <= retry, (retry, waited)


def test_a_short_request_is_told_when_the_long_streams_end(steps: dict) -> None:
    """The short request of the burst, refused while long streams fill the workers, is told
    the time of their end (the code before said 166-305 s for streams that ended in 78)."""
    sim = server(steps)
    saturate(sim, steps)
    short = steps["short"]
    refused = sim.send(short["steps"], short["chars"])
    assert isinstance(refused, OverloadedError) and refused.retry_after is not None
    waited = waited_for_admission(sim, short["chars"], 10 * refused.retry_after)
    assert refused.retry_after / 2 <= waited <= refused.retry_after, (refused.retry_after, waited)


@pytest.mark.parametrize("offset", [2.0, 5.0, 10.0])
def test_a_short_request_in_a_burst_is_told_within_twice_the_wait(steps: dict, offset: float) -> None:
    """The burst of `python -m bench.burst`: 48 long streams at once, then the short request
    `offset` seconds later, refused while the admitted streams fill the workers. Probing every
    half second finds when it would really have been admitted: its Retry-After is within 2x of
    that wait, as the bench requires. The first refusals of the burst are priced before any of
    its steps has run, from the warm-up alone; holding every later refusal to that first price
    told the short requests 2.0-2.1x their wait here (1.75-2.02x in the bench)."""
    sim = server(steps)
    for i in range(48):
        sim.send(*long_stream(steps, i))
    sim.run_until(offset)
    short = steps["short"]
    refused = sim.send(short["steps"], short["chars"])
    assert isinstance(refused, OverloadedError) and "server at capacity" in str(refused)
    assert refused.retry_after is not None
    waited = max(0.5, waited_for_admission(sim, short["chars"], 10 * refused.retry_after, probe=0.5))
    assert waited / 2 <= refused.retry_after <= 2 * waited, (refused.retry_after, waited)


def test_a_first_audio_refusal_says_when_the_starts_ahead_have_drained(steps: dict) -> None:
    """A burst's second request is refused for the start ahead of it (the first stream must
    build a lead before another first step may go): the wait that followed is within twice
    the Retry-After it was given, either way. On this recording two streams start within the
    default budget of 2 s; a budget of 0.5 s makes the second wait for the first's lead."""
    sim = server(steps, max_first_audio_seconds=0.5)
    sim.send(*long_stream(steps, 0))
    refused = sim.send(*long_stream(steps, 1))
    assert isinstance(refused, OverloadedError) and "first audio would take" in str(refused)
    retry = refused.retry_after
    assert retry is not None
    waited = waited_for_admission(sim, steps["long"]["chars"], 10 * retry)
    assert retry / 2 <= waited <= 2 * retry, (retry, waited)


def test_a_retrying_burst_keeps_the_workers_busy_and_no_stream_runs_dry(steps: dict) -> None:
    """Twelve long streams at once, each refused client retrying after its Retry-After: every
    client is served in the end, no admitted stream falls behind real time after its first
    audio, and the workers are busy at least 60 % of the time until the last stream's
    synthesis ends."""
    sim = server(steps)
    clients = 12
    due = {i: 0.0 for i in range(clients)}  # when each client (re)sends
    while due:
        now = min(due.values())
        sim.run_until(now)
        for i in [i for i, at in due.items() if at <= now]:
            result = sim.send(*long_stream(steps, i))
            if isinstance(result, OverloadedError):
                assert result.retry_after is not None and result.retry_after >= 1
                due[i] = now + result.retry_after
            else:
                del due[i]
    sim.run_until(float("inf"))
    assert len(sim.streams) == clients
    assert max(s.worst_deficit for s in sim.streams) <= 0.0
    work = sum(step["compute"] for s in sim.streams for step in s.steps)
    assert work / (WORKERS * sim.last_step_at) >= 0.6
