"""`warmtts serve`: uvicorn around the app, with a graceful drain on SIGTERM.

On SIGTERM (or Ctrl-C) /ready turns 503 at once and new synthesis requests get 503, while the
port stays open and streams in flight run to their end, for up to `shutdown_grace_seconds`;
those still running then are cut at their next piece (outcome `shutdown`), the server stops and
the process exits 0. A second signal stops at once. A failed
preload exits 1. SIGHUP re-reads the user lexicon (WARMTTS_LEXICON) and changes nothing else.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

import uvicorn
from fastapi import FastAPI

from warmtts.config import Settings
from warmtts.server.app import create_app
from warmtts.server.context import ServerContext
from warmtts.server.http.abort import AbortableConnections

log = logging.getLogger(__name__)
_CUT_SECONDS = 5.0  # after the grace, for the streams cut to end (a step, a send) before a forced stop


class _DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: FastAPI, grace_seconds: float) -> None:
        super().__init__(config)
        self._app = app  # config.app wraps it (abort.py)
        self.grace_seconds = grace_seconds
        self._draining = False

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises a captured SIGTERM after shutting down, so the process would die
        # by the signal (exit 143); a completed graceful shutdown is a success (exit 0).
        with super().capture_signals():
            on_main = threading.current_thread() is threading.main_thread()  # signals reach it only
            hangup = signal.signal(signal.SIGHUP, self._reload_lexicon) if on_main else None
            try:
                yield
            finally:
                if on_main:
                    signal.signal(signal.SIGHUP, hangup)
                self._captured_signals.clear()

    def _reload_lexicon(self, sig: int, frame: FrameType | None) -> None:
        ctx: ServerContext | None = getattr(self._app.state, "ctx", None)
        if ctx is not None:
            ctx.lexicon.reload_in_background("sighup")

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        ctx: ServerContext | None = getattr(self._app.state, "ctx", None)
        if self._draining or ctx is None:
            super().handle_exit(sig, frame)  # second signal, or nothing to drain: stop now
            return
        self._draining = True
        ctx.service.draining = True
        log.info("shutdown signal=%d draining in_flight=%d grace_seconds=%.1f", sig, ctx.service.admitted, self.grace_seconds)
        threading.Thread(target=self._drain, args=(ctx,), name="drain", daemon=True).start()

    def _drain(self, ctx: ServerContext) -> None:
        self._wait_until_idle(ctx, self.grace_seconds)
        log.info("shutdown drained=%s in_flight=%d", ctx.service.admitted == 0, ctx.service.admitted)
        if ctx.service.admitted:
            ctx.service.cut_streams()  # each ends at its next step, within a piece's synthesis
            self._wait_until_idle(ctx, _CUT_SECONDS)
            log.info("shutdown cut in_flight=%d", ctx.service.admitted)
        if ctx.service.admitted:
            self.force_exit = True
        self.should_exit = True

    @staticmethod
    def _wait_until_idle(ctx: ServerContext, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while ctx.service.admitted > 0 and time.monotonic() < deadline:
            time.sleep(0.05)


class _CutStreamFilter(logging.Filter):
    """A failed audio stream ends by closing its connection without the final chunk (see
    responses.py), which uvicorn reports as an error; the job has already logged the one line
    that says why, with the route and voice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing response."


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates its own heap (up to 8 per core); the synthesis,
    preload and ONNX threads then hold ~30 MB more RSS than two shared heaps. Must run before
    any thread starts."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc
        pass


def serve(settings: Settings) -> int:
    _limit_malloc_arenas()
    exit_code = 0
    server: _DrainingServer | None = None

    def on_preload_failure(reason: str) -> None:
        nonlocal exit_code
        if settings.exit_on_preload_failure and server is not None:
            log.error("shutting down: %s", reason)
            exit_code = 1
            server.should_exit = True

    logging.getLogger("uvicorn.error").addFilter(_CutStreamFilter())
    app = create_app(settings, on_preload_failure)
    config = uvicorn.Config(
        AbortableConnections(app),
        host=settings.host,
        port=settings.port,
        log_config=None,  # our logging configuration, one line per event
        timeout_graceful_shutdown=5,  # streams were drained already; this bounds idle keep-alives
    )
    server = _DrainingServer(config, app, settings.shutdown_grace_seconds)
    server.run()
    return exit_code
