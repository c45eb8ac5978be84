"""Driving one request's synthesis through the scheduler and encoding it as it arrives.

The engine's chunk generator is advanced one piece per scheduler job, the first at high
priority. If the client disconnects, the pending job is cancelled and no further piece is
computed.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warmtts.audio.formats import AudioFormat
from warmtts.errors import SynthesisTimeoutError
from warmtts.server.metrics import Metrics
from warmtts.server.scheduler import FIRST, LATER, Admission, Scheduler

if TYPE_CHECKING:  # the engine's modules load in preload, not when the app is imported
    from warmtts.audio.chunk import Chunk
    from warmtts.engine import AudioStream

log = logging.getLogger(__name__)


class _Puller:
    """Advances a chunk generator from worker threads, one step at a time, cancellable."""

    def __init__(self, chunks: Iterator[Chunk]) -> None:
        self._chunks = chunks
        self._lock = threading.Lock()
        self._cancelled = False

    def step(self) -> Chunk | None:
        with self._lock:
            if self._cancelled:
                return None
            return next(self._chunks, None)

    def cancel(self) -> None:
        self._cancelled = True


@dataclass
class Outcome:
    """What a finished request produced, for logs, metrics and the SSE done event."""

    audio_seconds: float = 0.0
    synthesis_seconds: float = 0.0
    first_audio_seconds: float | None = None
    complete: bool = False


@dataclass
class Job:
    """One admitted request's synthesis and where it reports."""

    stream: AudioStream
    total_chars: int
    admission: Admission
    route: str
    started: float
    timeout_seconds: float


async def chunks(job: Job, scheduler: Scheduler, metrics: Metrics, outcome: Outcome) -> AsyncIterator[Chunk]:
    """The stream's chunks, computed on the scheduler; fills `outcome` as it goes.

    Releases the request's admission when done, cancelled (client gone) or timed out.
    """
    stream, route, started = job.stream, job.route, job.started
    puller = _Puller(iter(stream))
    metrics.in_flight.inc()
    try:
        priority = FIRST
        while (chunk := await scheduler.run(puller.step, priority)) is not None:
            if time.perf_counter() - started > job.timeout_seconds:
                raise SynthesisTimeoutError(
                    f"synthesis exceeded the time limit of {job.timeout_seconds:g} s; send shorter text"
                )
            if outcome.first_audio_seconds is None:
                outcome.first_audio_seconds = time.perf_counter() - started
                metrics.ttfa.labels(route).observe(outcome.first_audio_seconds)
            outcome.audio_seconds += chunk.seconds
            metrics.audio.labels(stream.voice).inc(chunk.seconds)
            priority = LATER
            yield chunk
        outcome.complete = True
    finally:
        puller.cancel()
        job.admission.release()
        metrics.in_flight.dec()
        outcome.synthesis_seconds = time.perf_counter() - started
        metrics.synthesis.labels(route).observe(outcome.synthesis_seconds)
        log.info(
            "synthesis route=%s voice=%s chars=%d complete=%s ttfa_seconds=%s audio_seconds=%.2f seconds=%.3f",
            route, stream.voice, job.total_chars, outcome.complete,
            f"{outcome.first_audio_seconds:.3f}" if outcome.first_audio_seconds is not None else "none",
            outcome.audio_seconds, outcome.synthesis_seconds,
        )


async def encoded(
    source: AsyncIterator[Chunk], fmt: AudioFormat, sample_rate: int
) -> AsyncIterator[bytes]:
    from warmtts.audio.encode import make_encoder

    encoder = make_encoder(fmt, sample_rate)
    async for chunk in source:
        data = encoder.feed(chunk.pcm)
        if data:
            yield data
    tail = encoder.finish()
    if tail:
        yield tail


def _sse(event: dict[str, object]) -> bytes:
    return f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()


async def sse_events(
    source: AsyncIterator[Chunk], fmt: AudioFormat, sample_rate: int, total_chars: int, outcome: Outcome
) -> AsyncIterator[bytes]:
    """OpenAI's speech SSE: audio deltas (base64 of `fmt` bytes), then a done event.

    Our additions, which OpenAI clients ignore: each delta's `progress` (share of the input
    text spoken so far) and the done event's timing figures.
    """
    from warmtts.audio.encode import make_encoder

    encoder = make_encoder(fmt, sample_rate)
    done_chars = 0
    try:
        async for chunk in source:
            done_chars += chunk.source_chars
            data = encoder.feed(chunk.pcm)
            if data:
                yield _sse({
                    "type": "speech.audio.delta",
                    "audio": base64.b64encode(data).decode(),
                    "progress": round(min(1.0, done_chars / max(1, total_chars)), 4),
                })
        tail = encoder.finish()
        if tail:
            yield _sse({"type": "speech.audio.delta", "audio": base64.b64encode(tail).decode(), "progress": 1.0})
    except Exception:
        log.exception("sse synthesis failed")
        yield _sse({"type": "error", "error": {"message": "internal error during synthesis", "type": "server_error"}})
        return
    yield _sse({
        "type": "speech.audio.done",
        "usage": {"input_tokens": total_chars, "output_tokens": 0, "total_tokens": total_chars},
        "sample_rate": sample_rate,
        "audio_seconds": round(outcome.audio_seconds, 3),
        "synthesis_seconds": round(outcome.synthesis_seconds, 3),
        "first_audio_seconds": None if outcome.first_audio_seconds is None else round(outcome.first_audio_seconds, 3),
    })


def start(
    ctx_scheduler: Scheduler, stream: AudioStream, total_chars: int, route: str, started: float, timeout: float
) -> Job:
    """Admit a request (or raise OverloadedError) before its response starts.

    The admission is released by `chunks` when it ends; if the response never starts (the
    client left first), the stream object's finaliser releases it instead.
    """
    admission = ctx_scheduler.admit()
    weakref.finalize(stream, admission.release)
    return Job(stream, total_chars, admission, route, started, timeout)
