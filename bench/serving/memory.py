"""Sample a server's resident memory in the background to find its peak under load."""

from __future__ import annotations

import threading
from types import TracebackType

import psutil

from bench.serving.process import ServerProcess

SAMPLE_SECONDS = 0.05


class PeakRss:
    """Polls `server.rss_bytes()` on a thread between `with` entry and exit; `peak_bytes` is the max."""

    def __init__(self, server: ServerProcess, interval: float = SAMPLE_SECONDS) -> None:
        self._server = server
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)
        self.peak_bytes = 0
        self.samples = 0

    def __enter__(self) -> PeakRss:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def _sample(self) -> None:
        try:
            self.peak_bytes = max(self.peak_bytes, self._server.rss_bytes())
            self.samples += 1
        except psutil.NoSuchProcess:
            pass
