"""The audio store as the server sees it: whether it works, checked in the background, and swept.

Availability is learned from a check every `check_interval` seconds and from every real read and
write; it turns down on the first failure and up on the next success. /ready only reports it
(it never asks the store itself, so a slow store cannot make probes time out): a replica that
cannot store can still stream, and every replica shares the one store, so taking them out of
the load balancer would lose streaming as well. While it is down, POST /tts answers 503 at once
instead of synthesising a clip it cannot keep.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any, Literal

from warmtts.errors import StoreUnavailableError
from warmtts.server.metrics import Metrics
from warmtts.server.stores.base import AudioStore, StoredAudio

log = logging.getLogger(__name__)


class MonitoredStore:
    def __init__(
        self, store: AudioStore, metrics: Metrics, check_interval: float, sweep_interval: float,
        url_mode: Literal["stream", "presigned"] = "stream",
    ) -> None:
        self.store = store
        self.url_mode = url_mode
        self.check_interval = check_interval
        self.sweep_interval = sweep_interval
        self.retry_after = max(1, math.ceil(check_interval))
        self._available = True
        self._error: str | None = None
        self._changed = time.time()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        metrics.store_up.set_function(lambda: 1.0 if self._available else 0.0)

    # --- what the routes use ------------------------------------------------------------------

    def require(self) -> None:
        """StoreUnavailableError (→ 503 with Retry-After) while the store is known to be down."""
        if not self._available:
            raise StoreUnavailableError(f"{self._error}; retry shortly", self.retry_after)

    def put(self, data: bytes, extension: str) -> str:
        return self._record(self.store.put, data, extension)  # type: ignore[no-any-return]

    def open(self, name: str) -> StoredAudio | None:
        return self._record(self.store.open, name)  # type: ignore[no-any-return]

    def audio_url(self, name: str) -> str:
        """What a client fetches: our own /audio/<name> (any replica streams it), or a presigned URL."""
        if self.url_mode == "presigned":
            return self.store.presigned_url(name)
        return f"/audio/{name}"

    def report(self) -> dict[str, Any]:
        with self._lock:
            return {
                "url": self.store.description,
                "state": "available" if self._available else "unavailable",
                "error": self._error,
                "since_seconds": round(time.time() - self._changed, 1),
            }

    # --- in the background --------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="audio-store", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        next_sweep = time.monotonic() + self.sweep_interval
        while True:
            try:
                self._record(self.store.check)
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_interval
                    removed = self._record(self.store.sweep)
                    if removed:
                        log.info("audio_store sweep removed=%d", removed)
            except StoreUnavailableError:
                pass  # recorded; the next check tries again
            except Exception:  # a bug here must not end the checks
                log.exception("audio_store check failed unexpectedly")
            if self._stop.wait(self.check_interval):
                return

    def _record(self, operation: Any, *args: Any) -> Any:
        try:
            result = operation(*args)
        except StoreUnavailableError as exc:
            self._set(False, str(exc))
            exc.retry_after = self.retry_after
            raise
        self._set(True, None)
        return result

    def _set(self, available: bool, error: str | None) -> None:
        with self._lock:
            if available == self._available:
                self._error = error if not available else None
                return
            self._available, self._error, self._changed = available, error, time.time()
        if available:
            log.info("audio_store state=available url=%s", self.store.description)
        else:
            log.warning("audio_store state=unavailable url=%s reason=%r", self.store.description, error)
