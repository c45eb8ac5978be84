"""Closed-loop clients on the simulated server (admission_sim.py): as `python -m bench` runs them.

Each client sends the English mix's sentences one after another, starting at a different one,
and sends the next the moment its answer is complete (or refused), replaying the recorded
steps of en-joe (bench/step_costs.py --english). Deterministic: the clock only jumps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.server.admission_sim import Clock, Simulation, Stream
from warmtts.errors import OverloadedError
from warmtts.server.synthesis.capacity import Capacity
from warmtts.server.synthesis.scheduler import GUARD_SECONDS

RECORDED = Path(__file__).resolve().parent / "data" / "en_joe_mix_steps.json"
VOICE = "en-joe"
TICK = 0.005  # seconds: how soon a client sends again after its answer ends


def recorded() -> dict[str, Any]:
    return json.loads(RECORDED.read_text())


@dataclass(frozen=True)
class Answer:
    ttfa: float | None  # None: refused
    worst_deficit: float  # > 0: its listener ran dry by this much


def scaled(steps: list[dict[str, float]], factor: float) -> list[dict[str, float]]:
    return [{**step, "compute": step["compute"] * factor} for step in steps]


def server(sentences: list[dict[str, Any]], workers: int, factor: float, guard_seconds: float = GUARD_SECONDS,
           counts_running: bool = True) -> Simulation:
    """The default admission settings, the voice seeded as the warm-up does (a short sentence)."""
    clock = Clock()
    capacity = Capacity(workers, 0.8, workers + 64, 2.0, 3.0, first_step_seconds=0.25, guard_seconds=guard_seconds,
                        clock=clock)
    short = scaled(min(sentences, key=lambda s: s["chars"])["steps"][0], factor)
    capacity.seed(VOICE, sum(s["compute"] for s in short), sum(s["audio"] for s in short), min(s["chars"] for s in sentences))
    return Simulation(capacity, clock, guard_seconds, voice=VOICE, counts_running=counts_running)


def closed_loop(sim: Simulation, sentences: list[dict[str, Any]], clients: int, per_client: int,
                factor: float) -> list[Answer]:
    """Every answer of `clients` closed-loop clients sending `per_client` requests each."""
    answers: list[Answer] = []
    sent = [0] * clients
    current: list[Stream | None] = [None] * clients
    sends = 0

    def send(client: int) -> None:
        nonlocal sends
        sentence = sentences[(client + sent[client]) % len(sentences)]
        steps = scaled(sentence["steps"][sends % len(sentence["steps"])], factor)
        sent[client] += 1
        sends += 1
        result = sim.send(steps, sentence["chars"])
        if isinstance(result, OverloadedError):
            answers.append(Answer(None, 0.0))
            current[client] = None
        else:
            current[client] = result

    for client in range(clients):
        send(client)
    while True:
        for client in range(clients):
            stream = current[client]
            if stream is not None and stream.done == len(stream.steps):
                assert stream.first_audio_at is not None
                answers.append(Answer(stream.first_audio_at - stream.arrived, max(0.0, stream.worst_deficit)))
                current[client] = None
            if current[client] is None and sent[client] < per_client:
                send(client)
        if all(s is None for s in current) and all(n >= per_client for n in sent):
            return answers
        sim.run_until(sim.clock.now + TICK)
