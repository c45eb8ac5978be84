"""Everything the routes share, owned by the app: settings, preload, scheduler, store, metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

from warmtts.config import Settings
from warmtts.errors import InvalidInputError, NotReadyError
from warmtts.preload import Preloader, PreloadState
from warmtts.server.audio_store import AudioStore
from warmtts.server.metrics import Metrics
from warmtts.server.scheduler import Scheduler

if TYPE_CHECKING:
    from warmtts.engine import Engine


@dataclass
class ServerContext:
    settings: Settings
    preloader: Preloader
    scheduler: Scheduler
    store: AudioStore
    metrics: Metrics
    draining: bool = False  # set on SIGTERM: finish streams in flight, take no new work

    def engine(self) -> Engine:
        """The engine, or NotReadyError (→ 503 at once) while preloading, after a failed
        preload, or while shutting down."""
        if self.draining:
            raise NotReadyError("shutting down: retry on another instance")
        engine = self.preloader.engine
        if engine is None or self.preloader.state is not PreloadState.READY:
            raise NotReadyError(f"not ready: preload is {self.preloader.state.value}; retry shortly")
        return engine

    def check_text(self, text: str) -> str:
        if not text.strip():
            raise InvalidInputError("input is empty; give some text to speak")
        if not any(ch.isalnum() for ch in text):
            raise InvalidInputError("input has nothing to speak: only symbols, emoji or control characters")
        limit = self.settings.max_input_chars
        if len(text) > limit:
            raise InvalidInputError(f"input is {len(text)} characters; the limit is {limit}. Split it into requests.")
        return text

    def voice_id(self, voice: str) -> str:
        """OpenAI voice names map to our voices (configurable); our ids and auto pass through."""
        return self.settings.openai_voice_map.get(voice.lower(), voice)


def context(request: Request) -> ServerContext:
    return request.app.state.ctx  # type: ignore[no-any-return]
