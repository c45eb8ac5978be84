"""The app factory: one preloaded engine behind the API, the web page and the metrics.

The app starts answering at once; preload runs in a thread, and until it is done /ready says
503 and synthesis requests get the same 503 immediately.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from warmtts import __version__
from warmtts.config import Settings
from warmtts.errors import PreloadError
from warmtts.preload import Preloader, warm_up_text
from warmtts.server import errors, routes_ops, routes_speech, routes_tts
from warmtts.server.audio_store import AudioStore
from warmtts.server.context import ServerContext
from warmtts.server.metrics import Metrics
from warmtts.server.middleware import RequestMetrics
from warmtts.server.scheduler import Scheduler

if TYPE_CHECKING:
    from warmtts.engine import Engine

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).parent / "web"


def create_app(settings: Settings, on_preload_failure: Callable[[str], None] | None = None) -> FastAPI:
    metrics = Metrics()
    app_ref: list[FastAPI] = []

    def warm_workers(engine: Engine) -> None:
        """Every synthesis thread runs a real synthesis once, so no request is its first."""
        scheduler = app_ref[0].state.ctx.scheduler

        def synthesize() -> None:
            for voice in engine.voices.all():
                engine.synthesize(warm_up_text(voice.info.language), voice.info.id)

        scheduler.run_on_every_worker(synthesize)

    preloader = Preloader(settings, before_ready=warm_workers)

    def preload() -> None:
        try:
            preloader.run()
        except PreloadError as exc:
            if on_preload_failure is not None:
                on_preload_failure(str(exc))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = Scheduler(settings.workers, settings.max_queue)
        metrics.workers_busy.set_function(lambda: scheduler.busy)
        store = AudioStore(settings.audio_store_dir, settings.audio_store_max_bytes, settings.audio_store_max_age_seconds)
        app.state.ctx = ServerContext(settings, preloader, scheduler, store, metrics)
        threading.Thread(target=preload, name="preload", daemon=True).start()
        try:
            yield
        finally:
            scheduler.shutdown()

    app = FastAPI(title="warmtts", version=__version__, lifespan=lifespan)
    app_ref.append(app)
    errors.install(app)
    app.add_middleware(RequestMetrics, metrics=metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["X-Sample-Rate", "X-Voice"],
        )
    app.include_router(routes_ops.router)
    app.include_router(routes_speech.router)
    app.include_router(routes_tts.router)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    return app
