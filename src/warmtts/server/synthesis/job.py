"""One admitted request, from its reservation to its last byte.

A job owns the engine's chunk stream, the request's reservation of capacity, its encoders and
its report (one log line, metrics by outcome). Each step runs on a synthesis worker: the next
piece of speech is synthesised *and* encoded there (and framed as an SSE event), so the event
loop only moves bytes. Each step is queued with when its listener needs it (see scheduler.py).
Whoever opens a job closes it in a `finally` (the streaming response, or the route's
`async with`), which gives the reservation back at once; nothing waits for the garbage collector.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from warmtts.audio.formats import AudioFormat
from warmtts.errors import (
    ShutdownCutError,
    StoreUnavailableError,
    SynthesisFailedError,
    SynthesisTimeoutError,
    WarmttsError,
)

if TYPE_CHECKING:  # the engine's modules load in preload, not when the app is imported
    from warmtts.audio.encode import Encoder, FileEncoder
    from warmtts.audio.rate import RateConverter
    from warmtts.engine import AudioStream
    from warmtts.memory import IdleTrimmer
    from warmtts.server.metrics import Metrics
    from warmtts.server.stores.monitor import MonitoredStore
    from warmtts.server.synthesis.capacity import Capacity, Reservation
    from warmtts.server.synthesis.scheduler import Scheduler
    from warmtts.text.marks import Mark

log = logging.getLogger(__name__)

Framing = Literal["audio", "sse", "none"]


@dataclass(frozen=True)
class SynthesisRequest:
    """What a route asks for, already validated at the HTTP edge.

    `framing` is how the audio leaves: encoded bytes ("audio"), OpenAI's server-sent events
    ("sse"), or not at all ("none", a request that only keeps a file). `keep` also encodes the
    same audio into that format and stores it in the audio store: /tts, and the web page's
    download of what it has just played.
    """

    route: str
    text: str
    voice: str = "auto"
    speed: float = 1.0
    pitch: float = 1.0  # from OpenAI's instructions; only voices whose model takes it
    format: AudioFormat = "pcm"
    framing: Framing = "audio"
    keep: AudioFormat | None = None
    sample_rate: int | None = None  # None: the voice's own
    # A continuation (the realtime socket's next stretch): when its listener runs out of the
    # audio before it (time.perf_counter()); its steps are then due as a playing stream's.
    plays_at: float | None = None


class Outcome(str, enum.Enum):
    COMPLETE = "complete"
    CLIENT_GONE = "client_gone"
    SHUTDOWN = "shutdown"  # cut by the server when the drain's grace ran out
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True)
class _Step:
    """What one worker step produced."""

    data: bytes
    audio_seconds: float
    chars: int
    compute_seconds: float
    last: bool
    contended: bool = False  # every worker was busy when it started
    kept: bytes | None = None  # the whole file in the kept format, on the last step
    opens: float = 0.0  # it also ran the acoustic model of a run of this much audio (model seconds)


@dataclass(frozen=True)
class Services:
    """What a job reports to and runs on; one per server."""

    scheduler: Scheduler
    capacity: Capacity
    metrics: Metrics
    store: MonitoredStore
    trimmer: IdleTrimmer
    timeout_seconds: float
    cutting: threading.Event = field(default_factory=threading.Event)  # the drain's grace ran out: end every job


class Job:
    def __init__(self, request: SynthesisRequest, stream: AudioStream, reservation: Reservation, services: Services) -> None:
        self.request = request
        self.voice = stream.voice
        self.sample_rate = request.sample_rate or stream.sample_rate
        self.outcome: Outcome | None = None
        self.error: str | None = None
        self.kept_url: str | None = None  # where the kept file can be fetched
        self.marks: list[Mark] = []  # every chunk's marks so far, in order (seconds, input offsets)
        self.ignored_tags: tuple[str, ...] = stream.ignored_tags  # SSML tags whose text was spoken plainly
        self.ssml = stream.ssml  # the text was read as SSML
        self._stream = stream
        self._chunks = iter(stream)
        self._reservation = reservation
        self._services = services
        self._encoder: Encoder | None = None
        self._keeper: FileEncoder | None = None
        self._converter: RateConverter | None = None
        self._state = threading.Lock()  # guards _closed and _running between a worker and close()
        self._closed = False
        self._running = False
        self._arrived = time.perf_counter()
        self._first_audio_at: float | None = None
        self._audio_seconds = 0.0
        self._compute_seconds = 0.0
        self._done_chars = 0
        services.metrics.in_flight.inc()
        services.trimmer.busy()

    # --- on a worker ----------------------------------------------------------------------

    def _step(self) -> _Step:
        """Synthesise and encode the next piece; the last step flushes the encoders."""
        with self._state:
            if self._closed:
                return _Step(b"", 0.0, 0, 0.0, last=True)
            self._running = True
        try:
            return self._next_step()
        finally:
            with self._state:
                self._running = False
                closed = self._closed
            if closed:  # closed while this step ran: stop the synthesis now
                self._stream.close()

    def _next_step(self) -> _Step:
        started = time.perf_counter()
        scheduler = self._services.scheduler
        contended = scheduler.busy >= scheduler.workers
        if self._encoder is None:
            self._open_encoders()
        chunk = next(self._chunks, None)
        if chunk is None:
            return self._finish(started)
        pcm = chunk.pcm if self._converter is None else self._converter.feed(chunk.pcm)
        self.marks.extend(chunk.marks)
        data = self._frame(self._encoder.feed(pcm), chunk.source_chars, chunk.marks)  # type: ignore[union-attr]
        if self._keeper is not None:
            self._keeper.feed(pcm)
        compute = time.perf_counter() - started
        return _Step(data, chunk.seconds, chunk.source_chars, compute, False, contended, opens=chunk.opens)

    def _open_encoders(self) -> None:
        from warmtts.audio.encode import FileEncoder, make_encoder
        from warmtts.audio.rate import RateConverter

        if self.sample_rate != self._stream.sample_rate:
            self._converter = RateConverter(self._stream.sample_rate, self.sample_rate)
        fmt = "pcm" if self.request.framing == "none" else self.request.format
        self._encoder = make_encoder(fmt, self.sample_rate)
        if self.request.keep is not None:
            self._keeper = FileEncoder(self.request.keep, self.sample_rate)

    def _finish(self, started: float) -> _Step:
        encoder = self._encoder
        assert encoder is not None
        tail = self._converter.finish() if self._converter is not None else None
        data = self._frame((encoder.feed(tail) if tail is not None else b"") + encoder.finish(), 0)
        kept = None
        if self._keeper is not None:
            if tail is not None:
                self._keeper.feed(tail)
            kept = self._keeper.finish()
        return _Step(data, 0.0, 0, time.perf_counter() - started, last=True, kept=kept)

    def _frame(self, data: bytes, chars: int, marks: tuple[Mark, ...] = ()) -> bytes:
        """The bytes to send for one chunk. In SSE, a chunk's marks go in a timestamps event
        just before its audio, even when the encoder held all of that audio back."""
        if self.request.framing != "sse":
            return data if self.request.framing == "audio" else b""
        framed = b""
        if marks:
            text = self.request.text
            framed = _sse({"type": "speech.audio.timestamps", "marks": [m.to_dict(text) for m in marks]})
        if not data:
            return framed
        self._done_chars += chars
        progress = 1.0 if not chars else min(1.0, self._done_chars / max(1, len(self.request.text)))
        delta = {"type": "speech.audio.delta", "audio": base64.b64encode(data).decode(), "progress": round(progress, 4)}
        return framed + _sse(delta)

    # --- on the event loop ----------------------------------------------------------------

    def _due(self) -> tuple[float, float, bool]:
        """When this job's next step is due, its expected work, and whether it is the first:
        a first step is due when the request arrived (a continuation's, when its listener runs
        out of the audio before it); a later one when the listener runs out of the audio already sent. The work is that of a typical step, or of the text left."""
        work = self._services.capacity.step_work(self._reservation)
        plays_at = self.request.plays_at
        if self._first_audio_at is None:
            return (self._arrived, work, True) if plays_at is None else (plays_at, work, False)
        start = self._first_audio_at if plays_at is None else max(self._first_audio_at, plays_at)
        return start + self._audio_seconds, work, False

    async def _steps(self) -> AsyncIterator[_Step]:
        metrics, route = self._services.metrics, self.request.route
        while True:
            if self._services.cutting.is_set():
                raise ShutdownCutError(
                    "the server is shutting down and its grace period is over; retry on another instance"
                )
            step = await self._services.scheduler.run(self._step, *self._due())
            self._compute_seconds += step.compute_seconds
            if step.audio_seconds:
                if self._first_audio_at is None:
                    self._first_audio_at = time.perf_counter()
                    metrics.ttfa.labels(route).observe(self._first_audio_at - self._arrived)
                self._audio_seconds += step.audio_seconds
                self._reservation.progress(step.compute_seconds, step.audio_seconds, step.chars, step.contended, step.opens)
                metrics.audio.labels(self.voice).inc(step.audio_seconds)
            if self._compute_seconds > self._services.timeout_seconds and not step.last:
                raise SynthesisTimeoutError(
                    f"synthesis exceeded the time limit of {self._services.timeout_seconds:g} s of synthesis; "
                    "send shorter text"
                )
            if step.last:
                self._reservation.finish()
                if step.kept is not None:
                    self.kept_url = await self._keep(step.kept)
            yield step
            if step.last:
                return

    async def _keep(self, data: bytes) -> str | None:
        """Store the kept file off the workers (a slow store must not hold a synthesis slot).
        A /tts job fails with the store (503); a stream that also keeps a copy has sent its audio,
        so it ends without an audio_url instead."""
        assert self.request.keep is not None
        try:
            name = await asyncio.to_thread(self._services.store.put, data, self.request.keep)
            return self._services.store.audio_url(name)
        except StoreUnavailableError as exc:
            if self.request.framing == "none":
                raise
            log.warning("kept file dropped route=%s reason=%r", self.request.route, str(exc))
            return None

    async def body(self) -> AsyncIterator[bytes]:
        """The bytes to send. A failure after the headers ends an SSE stream with an error
        event that says what happened; an audio stream just stops (`failed` tells the
        response to cut the connection, so the client sees it was not complete)."""
        try:
            async for step in self._steps():
                if step.data:
                    yield step.data
        except Exception as exc:
            self._fail(exc)
            if self.request.framing == "sse":
                kind = "timeout" if self.outcome is Outcome.TIMEOUT else "server_error"
                yield _sse({"type": "error", "error": {"message": self.error, "type": kind}})
            return
        self.outcome = Outcome.COMPLETE
        if self.request.framing == "sse":
            yield self._done_event()

    async def run(self) -> None:
        """Run to the end without sending anything (a kept file is the result); raises a
        WarmttsError (timeout, or an internal error already logged) on failure."""
        try:
            async for _ in self._steps():
                pass
        except Exception as exc:
            self._fail(exc)
            if isinstance(exc, WarmttsError):
                raise
            raise SynthesisFailedError(self.error or "") from exc
        self.outcome = Outcome.COMPLETE

    def stalled(self, seconds: float) -> None:
        """The client took nothing for `seconds`: it is dropped as gone."""
        self.outcome, self.error = Outcome.CLIENT_GONE, f"client read nothing for {seconds:g} s"

    @property
    def failed(self) -> bool:
        return self.outcome in (Outcome.TIMEOUT, Outcome.ERROR, Outcome.SHUTDOWN)

    @property
    def audio_seconds(self) -> float:
        return self._audio_seconds

    @property
    def reservation(self) -> Reservation:
        return self._reservation

    def _fail(self, exc: Exception) -> None:
        """Record why the job failed; an expected condition is one log line, a bug its trace."""
        if isinstance(exc, SynthesisTimeoutError):
            self.outcome, self.error = Outcome.TIMEOUT, str(exc)
        elif isinstance(exc, ShutdownCutError):
            self.outcome, self.error = Outcome.SHUTDOWN, str(exc)
        elif isinstance(exc, WarmttsError):
            self.outcome, self.error = Outcome.ERROR, str(exc)
        else:
            log.exception("synthesis failed route=%s voice=%s", self.request.route, self.voice)
            self.outcome, self.error = Outcome.ERROR, "internal error during synthesis"

    def _done_event(self) -> bytes:
        elapsed = time.perf_counter() - self._arrived
        chars = len(self.request.text)
        event: dict[str, object] = {
            "type": "speech.audio.done",
            "usage": {"input_tokens": chars, "output_tokens": 0, "total_tokens": chars},
            "sample_rate": self.sample_rate,
            "audio_seconds": round(self._audio_seconds, 3),
            "synthesis_seconds": round(elapsed, 3),
            "first_audio_seconds": None if self._first_audio_at is None else round(self._first_audio_at - self._arrived, 3),
        }
        if self.kept_url is not None:
            event["audio_url"] = self.kept_url
        return _sse(event)

    def close(self) -> None:
        """Give everything back and report, once; a step still running stops the synthesis when
        it ends, and its result is dropped."""
        with self._state:
            if self._closed:
                return
            self._closed = True
            running = self._running
        if not running:  # no worker is in a step: stop the synthesis now (else the step does)
            self._stream.close()
        if not self._reservation.held:  # a held one is its session's to release
            self._reservation.release()
        self._services.trimmer.idle()
        self._report()

    def _report(self) -> None:
        metrics, route = self._services.metrics, self.request.route
        outcome = self.outcome or (Outcome.SHUTDOWN if self._services.cutting.is_set() else Outcome.CLIENT_GONE)
        elapsed = time.perf_counter() - self._arrived
        metrics.in_flight.dec()
        metrics.outcomes.labels(route, outcome.value).inc()
        metrics.synthesis.labels(route).observe(elapsed)
        ttfa = "none" if self._first_audio_at is None else f"{self._first_audio_at - self._arrived:.3f}"
        level = logging.WARNING if outcome in (Outcome.TIMEOUT, Outcome.ERROR, Outcome.SHUTDOWN) else logging.INFO
        log.log(
            level,
            "synthesis route=%s voice=%s chars=%d outcome=%s ttfa_seconds=%s audio_seconds=%.2f "
            "compute_seconds=%.3f seconds=%.3f%s",
            route, self.voice, len(self.request.text), outcome.value, ttfa, self._audio_seconds,
            self._compute_seconds, elapsed, f" reason={self.error!r}" if self.error else "",
        )

    async def __aenter__(self) -> Job:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


def _sse(event: dict[str, object]) -> bytes:
    return f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()

