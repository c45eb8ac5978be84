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

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from warmtts import __version__
from warmtts.config import Settings
from warmtts.errors import PreloadError
from warmtts.server.context import ServerContext
from warmtts.server.http import error_handlers, routes_admin, routes_ops, routes_speech, routes_tts
from warmtts.server.http.middleware import RequestMetrics
from warmtts.server.http.responses import IGNORED_TAGS_HEADER, INPUT_FORMAT_HEADER
from warmtts.server.lexicon import LexiconReloader
from warmtts.server.metrics import Metrics
from warmtts.server.realtime import route as realtime_route
from warmtts.server.realtime.metrics import RealtimeMetrics
from warmtts.server.stores.factory import open_store
from warmtts.server.stores.monitor import MonitoredStore
from warmtts.server.synthesis.service import SynthesisService
from warmtts.voices.params import SPEED_RANGE

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).parent / "web"


def create_app(settings: Settings, on_preload_failure: Callable[[str], None] | None = None) -> FastAPI:
    metrics = Metrics()
    store = MonitoredStore(
        open_store(settings), metrics,
        settings.audio_store_check_interval_seconds, settings.audio_store_sweep_interval_seconds,
        settings.audio_url_mode,
    )
    service = SynthesisService(settings, metrics, store)
    preloader = service.preloader

    def preload() -> None:
        try:
            preloader.run(warm_voice=service.warm_voice)
        except PreloadError as exc:
            if on_preload_failure is not None:
                on_preload_failure(str(exc))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()
        store.start()
        threading.Thread(target=preload, name="preload", daemon=True).start()
        wyoming_server = None
        if settings.wyoming_uri is not None:
            from warmtts.server.wyoming.handler import start as start_wyoming

            wyoming_server = await start_wyoming(settings.wyoming_uri, service)
        try:
            yield
        finally:
            if wyoming_server is not None:
                await wyoming_server.stop()
            store.stop()
            service.stop()

    app = FastAPI(title="warmtts", version=__version__, lifespan=lifespan)
    app.state.ctx = ServerContext(settings, preloader, service, store, metrics, LexiconReloader(settings, preloader))
    app.state.realtime = realtime_route.RealtimeSessions(settings.realtime_max_sessions, RealtimeMetrics(metrics.registry))
    error_handlers.install(app)
    app.add_middleware(RequestMetrics, metrics=metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["X-Sample-Rate", "X-Voice", "X-Instructions", IGNORED_TAGS_HEADER, INPUT_FORMAT_HEADER],
        )
    app.include_router(routes_ops.router)
    app.include_router(routes_speech.router)
    app.include_router(routes_tts.router)
    app.include_router(routes_admin.router)
    app.include_router(realtime_route.router)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    low, high = SPEED_RANGE  # the page's only control is speed
    page = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    page = page.replace("{{speed_min}}", f"{low:g}").replace("{{speed_max}}", f"{high:g}")

    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(page)

    return app
