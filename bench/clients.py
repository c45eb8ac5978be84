"""HTTP clients that time one streamed request, or many from concurrent clients.

Time to first audio is taken at the first non-empty body chunk, so it includes the request's
queueing, synthesis of the first piece and the trip over loopback; the full time at the last.
An mp3 or Opus body is kept whole and decoded to count its seconds, after the clock has stopped
(under load, after every client is done, so decoding takes no core from the server being timed).
An uncompressed stream also says how far it fell behind real time: a listener who starts playing
at the first chunk needs each later chunk by the time the audio before it has played.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

import httpx

from bench.audio_length import ENCODED_FORMATS, encoded_seconds
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
    encoded: Encoded | None = field(default=None, repr=False, compare=False)  # not yet counted
    worst_deficit: float | None = None  # seconds a chunk came after its audio was due (≤ 0: never dry)


@dataclass(frozen=True)
class Encoded:
    """A whole mp3 or Opus body, kept to be decoded once the clock has stopped."""

    fmt: str
    body: bytes


def counted(sample: Sample) -> Sample:
    """`sample` with its encoded body decoded into `audio_seconds` (and dropped); others as they are."""
    if sample.encoded is None:
        return sample
    try:
        seconds = encoded_seconds(sample.encoded.body, sample.encoded.fmt)
    except ValueError as exc:
        return replace(sample, ok=False, encoded=None, error=f"unreadable audio: {exc!r}")
    return replace(sample, audio_seconds=seconds, encoded=None)


def timed_request(
    client: httpx.Client, base_url: str, server: Server, case: Case, count_now: bool = True
) -> Sample:
    """One request, timed; with `count_now` False an encoded body is left for `counted`."""
    path, body = server.request(case)
    fmt = server.wire_format(case)
    whole = fmt in ENCODED_FORMATS
    start = time.perf_counter()
    try:
        with client.stream("POST", base_url + path, json=body) as response:
            if response.status_code != 200:
                response.read()
                return Sample(case.id, ok=False, error=f"HTTP {response.status_code}")
            first: float | None = None
            kept: list[bytes] = []
            size = 0
            arrivals: list[tuple[float, int]] = []  # (seconds since sent, body bytes before the chunk)
            for chunk in response.iter_raw():
                if not chunk:
                    continue
                if first is None:
                    first = time.perf_counter() - start
                elif not whole:
                    arrivals.append((time.perf_counter() - start, size))
                if whole or size < HEAD_BYTES:
                    kept.append(chunk if whole else chunk[: HEAD_BYTES - size])
                size += len(chunk)
            total = time.perf_counter() - start
            headers = {k.lower(): v for k, v in response.headers.items()}
    except httpx.HTTPError as exc:
        return Sample(case.id, ok=False, error=f"{type(exc).__name__}: {exc}")
    if first is None:
        return Sample(case.id, ok=False, total=total, error="empty body")
    data = b"".join(kept)  # the whole body, or its first HEAD_BYTES
    if whole:
        sample = Sample(case.id, ok=True, ttfa=first, total=total, encoded=Encoded(fmt, data))
        return counted(sample) if count_now else sample
    try:
        audio = server.audio_seconds(data, size, headers)
    except (KeyError, ValueError) as exc:  # a missing X-Sample-Rate or a malformed WAV header
        return Sample(case.id, ok=False, ttfa=first, total=total, error=f"unreadable audio: {exc!r}")
    deficit = _worst_deficit(server, data, headers, first, arrivals)
    return Sample(case.id, ok=True, ttfa=first, total=total, audio_seconds=audio, worst_deficit=deficit)


def _worst_deficit(
    server: Server, head: bytes, headers: dict[str, str], first: float, arrivals: list[tuple[float, int]]
) -> float | None:
    """How late the latest chunk came against a listener playing from the first; None if a
    chunk came before the audio header was whole."""
    try:
        return max((at - first - server.audio_seconds(head, before, headers) for at, before in arrivals), default=0.0)
    except (KeyError, ValueError):
        return None


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
                results[index].append(timed_request(client, base_url, server, case, count_now=False))

    threads = [threading.Thread(target=client_loop, args=(i,), name=f"client-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait(START_TIMEOUT)
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return LoadRun(clients, [counted(s) for per in results for s in per], wall)
