"""Closed-loop English clients replayed on recorded en-joe steps (closed_loop_sim.py): the real
Capacity and the scheduler's choice, as `python -m bench` loads the server. Deterministic.

The recording (bench/step_costs.py --english) was taken on a shared, busy machine, where a
step cost about four times what it costs on an idle one; the steps are scaled to the server's
measured cost on the idle machine, 0.092 worker-seconds per second of audio (throughput at 4
clients, 21.7 audio-s/s on two workers, docs/benchmarks.md), keeping each step's share.
"""

from __future__ import annotations

import pytest

from tests.server.closed_loop_sim import closed_loop, recorded, server

WORKERS = 2
IDLE_COST = 0.092  # worker seconds per audio second, two busy workers, idle machine


@pytest.fixture(scope="module")
def sentences() -> list[dict]:
    return recorded()["sentences"]


def factor(sentences: list[dict]) -> float:
    steps = [step for sentence in sentences for stream in sentence["steps"] for step in stream]
    return IDLE_COST / (sum(s["compute"] for s in steps) / sum(s["audio"] for s in steps))


@pytest.mark.parametrize("clients", [1, 4, 8, 16])
def test_clients_the_machine_can_serve_in_real_time_are_never_refused_nor_left_dry(sentences, clients) -> None:
    """16 streams need 16 × 0.092 = 1.5 of the 2 workers (under max_load's 1.6): every request
    is admitted, and no listener runs out of audio after its first."""
    scale = factor(sentences)
    answers = closed_loop(server(sentences, WORKERS, scale), sentences, clients, 4, scale)
    assert len(answers) == 4 * clients
    assert [a for a in answers if a.ttfa is None] == []
    assert max(a.worst_deficit for a in answers) == 0.0


def test_more_clients_than_real_time_allows_are_refused_not_starved(sentences) -> None:
    """At the recording's own (busy-machine) cost, 0.38 worker-s per audio second, two workers
    give about five streams real time: eight clients get some 429s, and the streams admitted
    still never run dry."""
    sim = server(sentences, WORKERS, 1.0)
    answers = closed_loop(sim, sentences, 8, 4, 1.0)
    refused = [a for a in answers if a.ttfa is None]
    served = [a for a in answers if a.ttfa is not None]
    assert refused and served
    assert max(a.worst_deficit for a in served) == 0.0
