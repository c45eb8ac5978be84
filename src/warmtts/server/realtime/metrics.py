"""The realtime socket's counters, in the app's own registry (beside metrics.py's)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class RealtimeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sessions = Counter(
            "warmtts_realtime_sessions",
            "Realtime WebSocket sessions asked for, by outcome: accepted, refused (at the cap), unauthorized.",
            ["outcome"],
            registry=registry,
        )
        self.open = Gauge("warmtts_realtime_sessions_open", "Realtime sessions open now.", registry=registry)
        self.generations = Counter(
            "warmtts_realtime_generations",
            "Realtime generations (text up to a flush), by how they ended: done, cleared, refused, failed, closed.",
            ["outcome"],
            registry=registry,
        )
        self.clears = Counter("warmtts_realtime_clears", "input_text.clear messages (barge-in).", registry=registry)
