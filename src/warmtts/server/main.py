"""`warmtts serve`: uvicorn around the app; a failed preload ends the process non-zero."""

from __future__ import annotations

import logging

import uvicorn

from warmtts.config import Settings
from warmtts.server.app import create_app

log = logging.getLogger(__name__)


def serve(settings: Settings) -> int:
    exit_code = 0
    server: uvicorn.Server | None = None

    def on_preload_failure(reason: str) -> None:
        nonlocal exit_code
        if settings.exit_on_preload_failure and server is not None:
            log.error("shutting down: %s", reason)
            exit_code = 1
            server.should_exit = True

    app = create_app(settings, on_preload_failure)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,  # our logging configuration, one line per event
        timeout_graceful_shutdown=30,
    )
    server = uvicorn.Server(config)
    server.run()
    return exit_code
