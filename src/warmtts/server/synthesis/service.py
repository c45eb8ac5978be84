"""The synthesis service: the one way into the engine for every route.

Created with the server, before preload: it owns the worker pool, the capacity that admits
requests and the idle-memory trimmer, and it warms every worker with every voice for the
preload manager. `open` turns a validated request into an admitted Job (or a 4xx/429/503).
"""

from __future__ import annotations

import logging
import statistics
from typing import TYPE_CHECKING

from warmtts.config import Settings
from warmtts.errors import InvalidInputError, NotReadyError
from warmtts.memory import IdleTrimmer, reuse_freed_memory
from warmtts.preload import Preloader, PreloadState, warm_up_voice
from warmtts.server.metrics import Metrics
from warmtts.server.stores.monitor import MonitoredStore
from warmtts.server.synthesis.capacity import Capacity, Reservation
from warmtts.server.synthesis.job import Job, Services, SynthesisRequest
from warmtts.server.synthesis.scheduler import Scheduler

if TYPE_CHECKING:
    from warmtts.engine import Engine

log = logging.getLogger(__name__)


def speakable(text: str) -> bool:
    """Whether `text` has anything to say (a letter or a digit), not only symbols or emoji."""
    return any(ch.isalnum() for ch in text)


def check_text(text: str, limit: int) -> str:
    if not text.strip():
        raise InvalidInputError("input is empty; give some text to speak")
    if not speakable(text):
        raise InvalidInputError("input has nothing to speak: only symbols, emoji or control characters")
    if len(text) > limit:
        raise InvalidInputError(f"input is {len(text)} characters; the limit is {limit}. Split it into requests.")
    return text


class SynthesisService:
    def __init__(self, settings: Settings, metrics: Metrics, store: MonitoredStore) -> None:
        self.settings = settings
        self.scheduler = Scheduler(settings.workers)
        self.preloader = Preloader(settings, may_widen=self._may_widen)
        self.capacity = Capacity(
            settings.workers, settings.max_load, settings.workers + settings.max_queue,
            settings.max_first_audio_seconds, settings.max_window_seconds,
            first_step_seconds=settings.first_window_seconds, guard_seconds=self.scheduler.guard_seconds,
        )
        self.trimmer = IdleTrimmer()
        log.info("memory reuse_freed=%s", str(reuse_freed_memory()).lower())  # before the models allocate
        self.draining = False  # set on SIGTERM: finish streams in flight, take no new work
        self._services = Services(
            self.scheduler, self.capacity, metrics, store, self.trimmer, settings.request_timeout_seconds
        )
        metrics.workers_busy.set_function(lambda: self.scheduler.busy)
        metrics.load.set_function(lambda: self.capacity.load)

    def _may_widen(self) -> bool:
        """A model call may use every core while its stream is the only one admitted and no other
        step runs or waits. Idle moments between the requests of several clients do not count:
        measured, widening there cost 6-11 % of the throughput at 4 and 8 English clients."""
        return self.capacity.admitted <= 1 and self.scheduler.alone()

    def start(self) -> None:
        self.scheduler.start()
        self.trimmer.start()

    def stop(self) -> None:
        self.scheduler.shutdown()
        self.trimmer.stop()

    def cut_streams(self) -> None:
        """The drain's grace has run out: each job still open ends before its next step (an SSE
        stream with an error event, an audio stream cut, /tts a 503), reported as the server's
        cut (outcome `shutdown`), not as a client that went away."""
        self._services.cutting.set()

    @property
    def admitted(self) -> int:
        return self.capacity.admitted

    def engine(self) -> Engine:
        """The engine, or NotReadyError (→ 503 at once) while preloading, after a failed
        preload, or while shutting down."""
        if self.draining:
            raise NotReadyError("shutting down: retry on another instance")
        engine = self.preloader.engine
        if engine is None or self.preloader.state is not PreloadState.READY:
            raise NotReadyError(f"not ready: preload is {self.preloader.state.value}; retry shortly")
        return engine

    def open(self, request: SynthesisRequest, held: Reservation | None = None, hold: bool = False) -> Job:
        """Admit `request` (or raise) and hand back its job; the caller must close it. A realtime
        session asks to `hold` its reservation, and speaks its next stretches in the one it
        `held` (already admitted); it releases it itself."""
        engine = self.engine()
        text = check_text(request.text, self.settings.max_input_chars)
        stream = engine.synthesize_stream(text, request.voice, speed=request.speed, pitch=request.pitch)
        try:
            if held is not None and not held.released:
                held.renew(len(text))
                reservation = held
            else:
                reservation = self.capacity.reserve(stream.voice, len(text), request.speed, hold)
        except BaseException:
            stream.close()
            raise
        return Job(request, stream, reservation, self._services)

    def warm_voice(self, engine: Engine, voice_id: str) -> None:
        """Warm `voice_id` on every worker at once (each code path once per thread), and take
        the workers' measured speed, under each other's contention, as the capacity's start."""
        runs = self.scheduler.run_on_every_worker(lambda: warm_up_voice(engine, voice_id))
        compute = statistics.median(r.compute_seconds for r in runs)
        self.capacity.seed(voice_id, compute, runs[0].audio_seconds, runs[0].chars)
        log.info("capacity voice=%s rtf=%.4f", voice_id, self.capacity.rtf(voice_id))
