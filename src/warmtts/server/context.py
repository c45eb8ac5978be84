"""Everything the routes share, owned by the app: settings, preload, the synthesis service,
the audio store, metrics, the lexicon reloader."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from warmtts.config import Settings
from warmtts.preload import Preloader
from warmtts.server.lexicon import LexiconReloader
from warmtts.server.metrics import Metrics
from warmtts.server.stores.monitor import MonitoredStore
from warmtts.server.synthesis.service import SynthesisService


@dataclass
class ServerContext:
    settings: Settings
    preloader: Preloader
    service: SynthesisService
    store: MonitoredStore
    metrics: Metrics
    lexicon: LexiconReloader


async def context(request: Request) -> ServerContext:
    """`async`: a plain function would run on FastAPI's thread pool, a thread hop per request."""
    return request.app.state.ctx  # type: ignore[no-any-return]
