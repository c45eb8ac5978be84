"""Re-reading the user lexicon (WARMTTS_LEXICON) while serving: on SIGHUP or POST /admin/lexicon/reload.

The file is parsed whole before anything changes; a bad line (its number and why are in the
error) leaves the lexicon in force untouched. Reloads are serialised; synthesis threads never
wait for one, they keep the table they started with (ZhG2P.replace_lexicon).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from warmtts.config import Settings
from warmtts.errors import InvalidInputError, LexiconError, NotReadyError, WarmttsError
from warmtts.phonemes.zh_lexicon import load_lexicon
from warmtts.preload import Preloader, PreloadState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reloaded:
    path: str
    entries: int
    seconds: float


class LexiconReloader:
    def __init__(self, settings: Settings, preloader: Preloader) -> None:
        self._settings = settings
        self._preloader = preloader
        self._lock = threading.Lock()

    def reload(self, trigger: str) -> Reloaded:
        """Load the file and put it in force; raises (and logs) when it cannot, changing nothing."""
        g2p = self._preloader.g2p
        if g2p is None or self._preloader.state is not PreloadState.READY:
            raise NotReadyError("still preloading; reload the lexicon once /ready says ready")
        path = self._settings.lexicon_path
        if path is None:
            raise InvalidInputError("no user lexicon configured: start the server with WARMTTS_LEXICON=FILE")
        with self._lock:
            start = time.perf_counter()
            try:
                entries = load_lexicon(path)
            except LexiconError as exc:
                log.warning("lexicon reload trigger=%s failed path=%s error=%r", trigger, path, str(exc))
                raise LexiconError(f"{exc}; the lexicon in force is unchanged") from exc
            g2p.replace_lexicon(entries)
            seconds = time.perf_counter() - start
        log.info("lexicon reload trigger=%s path=%s entries=%d seconds=%.3f", trigger, path, len(entries), seconds)
        return Reloaded(str(path), len(entries), round(seconds, 4))

    def reload_in_background(self, trigger: str) -> None:
        """For a signal handler: reload on a thread of its own; every outcome is logged, none raised."""

        def run() -> None:
            try:
                self.reload(trigger)
            except WarmttsError as exc:
                if not isinstance(exc, LexiconError):  # that one was logged with its path
                    log.warning("lexicon reload trigger=%s refused error=%r", trigger, str(exc))
            except Exception:  # never let a reload take the server down
                log.exception("lexicon reload trigger=%s failed unexpectedly", trigger)

        threading.Thread(target=run, name="lexicon-reload", daemon=True).start()
