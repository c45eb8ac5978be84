"""Prometheus metrics, in a registry of the app's own (two apps in one process never collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "warmtts_requests", "HTTP requests by route and status.", ["route", "status"], registry=self.registry
        )
        self.in_flight = Gauge("warmtts_requests_in_flight", "Synthesis requests being served.", registry=self.registry)
        self.ttfa = Histogram(
            "warmtts_time_to_first_audio_seconds",
            "Request received → first audio bytes ready to send.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outcomes = Counter(
            "warmtts_synthesis_outcomes",
            "Admitted synthesis requests by how they ended: complete, client_gone, shutdown (cut when the "
            "drain's grace ran out), timeout, error.",
            ["route", "outcome"],
            registry=self.registry,
        )
        self.synthesis = Histogram(
            "warmtts_synthesis_seconds",
            "Wall time of a whole synthesis request.",
            ["route"],
            buckets=_LATENCY_BUCKETS + (30.0, 60.0),
            registry=self.registry,
        )
        self.audio = Counter(
            "warmtts_audio_seconds", "Seconds of audio produced.", ["voice"], registry=self.registry
        )
        self.workers_busy = Gauge(
            "warmtts_synthesis_workers_busy", "Synthesis threads running a step now.", registry=self.registry
        )
        self.load = Gauge(
            "warmtts_capacity_load",
            "Share of the workers' time the admitted streams need to play in real time.",
            registry=self.registry,
        )
        self.store_up = Gauge(
            "warmtts_audio_store_up", "1 while the audio store can be written, 0 while it cannot.", registry=self.registry
        )
        self.preload = Gauge(
            "warmtts_preload_step_seconds", "Duration of each preload step.", ["step"], registry=self.registry
        )
