"""HTTP clients that time one streamed request, or many from concurrent clients.

Time to first audio is taken at the first non-empty body chunk, so it includes the request's
queueing, synthesis of the first piece and the trip over loopback; the full time at the last.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from bench.serving.servers import Server
from bench.texts import Case

HEAD_BYTES = 256  # enough for any WAV header we expect
TIMEOUT = httpx.Timeout(300.0, connect=10.0)
START_TIMEOUT = 60.0  # seconds for every client thread to be ready to send


@dataclass(frozen=True)
class Sample:
    """One request's outcome; the timings are seconds from the moment it was sent."""

    case: str
    ok: bool
    ttfa: float | None = None
    total: float | None = None
    audio_seconds: float = 0.0
    error: str | None = None


def timed_request(client: httpx.Client, base_url: str, server: Server, case: Case) -> Sample:
    path, body = server.request(case)
    start = time.perf_counter()
    try:
        with client.stream("POST", base_url + path, json=body) as response:
            if response.status_code != 200:
                response.read()
                return Sample(case.id, ok=False, error=f"HTTP {response.status_code}")
            first: float | None = None
            head = b""
            size = 0
            for chunk in response.iter_raw():
                if not chunk:
                    continue
                if first is None:
                    first = time.perf_counter() - start
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                size += len(chunk)
            total = time.perf_counter() - start
            headers = {k.lower(): v for k, v in response.headers.items()}
    except httpx.HTTPError as exc:
        return Sample(case.id, ok=False, error=f"{type(exc).__name__}: {exc}")
    if first is None:
        return Sample(case.id, ok=False, total=total, error="empty body")
    try:
        audio = server.audio_seconds(head, size, headers)
    except (KeyError, ValueError) as exc:  # a missing X-Sample-Rate or a malformed WAV header
        return Sample(case.id, ok=False, ttfa=first, total=total, error=f"unreadable audio: {exc!r}")
    return Sample(case.id, ok=True, ttfa=first, total=total, audio_seconds=audio)


@dataclass(frozen=True)
class LoadRun:
    clients: int
    samples: list[Sample]
    wall_seconds: float


def run_clients(base_url: str, server: Server, mix: tuple[Case, ...], clients: int, per_client: int) -> LoadRun:
    """`clients` threads, each with its own connection, send `per_client` requests back to back.

    Client i starts at mix[i % len(mix)] and cycles, so the load is a blend of the mix's texts.
    All clients start together; the run ends when the last request is done.
    """
    barrier = threading.Barrier(clients + 1)
    results: list[list[Sample]] = [[] for _ in range(clients)]

    def client_loop(index: int) -> None:
        with httpx.Client(timeout=TIMEOUT) as client:
            barrier.wait(START_TIMEOUT)
            for n in range(per_client):
                case = mix[(index + n) % len(mix)]
                results[index].append(timed_request(client, base_url, server, case))

    threads = [threading.Thread(target=client_loop, args=(i,), name=f"client-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait(START_TIMEOUT)
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return LoadRun(clients, [s for per in results for s in per], wall)
