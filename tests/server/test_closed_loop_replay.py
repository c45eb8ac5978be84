"""Closed-loop English clients replayed on recorded en-joe steps (closed_loop_sim.py): the real
Capacity and the scheduler's choice, as `python -m bench` loads the server. Deterministic.

The recording (bench/step_costs.py --english, flow windowed with the decoder, a flow call per
two windows) was taken on an idle machine at 0.098 worker-seconds per second of audio; the steps are scaled to the server's
measured cost on the idle machine, 0.092 (throughput at 4 clients, 21.7 audio-s/s on two
workers, docs/benchmarks.md), keeping each step's share.
"""

from __future__ import annotations

import pytest

from bench.stats import percentile
from tests.server.closed_loop_sim import closed_loop, recorded, server

WORKERS = 2
IDLE_COST = 0.092  # worker seconds per audio second, two busy workers, idle machine
SLOW_COST = 0.2  # a machine twice as slow (or a busy one)


@pytest.fixture(scope="module")
def sentences() -> list[dict]:
    return recorded()["sentences"]


def factor(sentences: list[dict], cost: float = IDLE_COST) -> float:
    steps = [step for sentence in sentences for stream in sentence["steps"] for step in stream]
    return cost / (sum(s["compute"] for s in steps) / sum(s["audio"] for s in steps))


@pytest.mark.parametrize("clients", [
    1, 4, 8,
    pytest.param(16, marks=pytest.mark.xfail(strict=True, reason=(
        "3 of 64 refused for load: while 16 streams start, the capacity's learned cost per audio second "
        "is pushed up by the first steps, dearer per audio second than later ones (0.105 on the recording "
        "before the flow ran per two windows), and 16 × that passes max_load's 1.6 workers; the whole run "
        "needs 16 × 0.092 = 1.47"))),
])
def test_clients_the_machine_can_serve_in_real_time_are_never_refused_nor_left_dry(sentences, clients) -> None:
    """16 streams need 16 × 0.092 = 1.5 of the 2 workers (under max_load's 1.6): every request
    is admitted, and no listener runs out of audio after its first."""
    scale = factor(sentences)
    answers = closed_loop(server(sentences, WORKERS, scale), sentences, clients, 4, scale)
    assert len(answers) == 4 * clients
    assert [a for a in answers if a.ttfa is None] == []
    assert max(a.worst_deficit for a in answers) == 0.0


def test_eight_clients_hear_their_first_audio_sooner_than_with_a_one_second_guard(sentences) -> None:
    """The p95 of first audio at 8 clients (4 requests each, as `python -m bench` sends) comes from
    the 8 first requests arriving together: each start must wait until the streams started before
    it can keep playing. The old choice kept 1 s in hand for every playing stream, as cover for
    steps running on the other workers too; counting those steps' expected rest instead, a
    smaller guard starts the burst sooner, and still no listener runs dry. (On this recording
    the gain is the smaller guard's: 0.721 s at 1.0, 0.613 s at 0.5 with or without counting.)"""
    scale = factor(sentences)

    def p95(**choice: object) -> float:
        answers = closed_loop(server(sentences, WORKERS, scale, **choice), sentences, 8, 4, scale)  # type: ignore[arg-type]
        assert [a for a in answers if a.ttfa is None] == []
        assert max(a.worst_deficit for a in answers) == 0.0
        result = percentile([a.ttfa for a in answers if a.ttfa is not None], 95)
        assert result is not None
        return result

    old = p95(guard_seconds=1.0, counts_running=False)
    assert p95() < 0.9 * old


def test_more_clients_than_real_time_allows_are_refused_not_starved(sentences) -> None:
    """At 0.2 worker-s per audio second, two workers give about ten streams real time (8 at
    most under max_load): sixteen clients get some 429s, and the streams admitted never run dry.

    When a flow call covered every window two of the largest hold, the second step (the flow
    for 6 s of frames and a 0.5 s window, 0.11 s on the idle machine) took longer here than the
    0.25 s of audio the first step gave, and a stream ran dry after its first window even alone."""
    scale = factor(sentences, SLOW_COST)
    sim = server(sentences, WORKERS, scale)
    answers = closed_loop(sim, sentences, 16, 4, scale)
    refused = [a for a in answers if a.ttfa is None]
    served = [a for a in answers if a.ttfa is not None]
    assert refused and served
    assert max(a.worst_deficit for a in served) == 0.0
