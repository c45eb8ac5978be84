"""Handing freed heap back to the operating system, once the server has gone quiet.

glibc keeps freed memory in its heaps for reuse, so a burst of long requests would leave the
RSS at its peak for good. Trimming when the work is done returns it; the call takes a few
milliseconds and does nothing on other C libraries.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import threading
import time

log = logging.getLogger(__name__)


M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024  # the largest glibc takes on 64-bit
TRIM_THRESHOLD_BYTES = 512 * 1024 * 1024


def reuse_freed_memory() -> bool:
    """Keep freed blocks of up to 32 MB in glibc's heaps while the server works, for the next
    model call to reuse, instead of mapping fresh pages for every activation and giving them back
    when it is freed: with the memory arena off (voices/onnx_session.py), every vocoder window
    took some 130 000 page faults a minute of audio and 13-15 % more CPU per audio second
    (`bench.window_cost`-style runs, en-joe, one core: 0.081 against 0.094). The IdleTrimmer
    still hands the memory back once the server goes quiet. False where this is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
            libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
        )
    except (OSError, AttributeError):  # not glibc: its own allocator's defaults
        return False


def release_free_memory() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


class IdleTrimmer:
    """Releases free memory once the server has been idle for `quiet_seconds`.

    Debounced: a burst of short requests that leave the server idle for a moment each costs one
    trim after the last of them, not one per request; a busy server never trims.
    """

    def __init__(self, quiet_seconds: float = 1.0) -> None:
        self.quiet_seconds = quiet_seconds
        self.trims = 0
        self._active = 0
        self._idle_since: float | None = None  # set when the last request ended, until trimmed
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="trim", daemon=True)
        self._stopped = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify()

    def busy(self) -> None:
        with self._changed:
            self._active += 1
            self._idle_since = None

    def idle(self) -> None:
        with self._changed:
            self._active -= 1
            if self._active == 0:
                self._idle_since = time.monotonic()
                self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while not self._stopped:
                if self._idle_since is None:
                    self._changed.wait()
                    continue
                remaining = self._idle_since + self.quiet_seconds - time.monotonic()
                if remaining > 0:
                    self._changed.wait(remaining)
                    continue
                self._idle_since = None
                self._changed.release()  # trim without holding up requests that start meanwhile
                try:
                    started = time.perf_counter()
                    release_free_memory()
                    log.debug("memory trimmed seconds=%.3f", time.perf_counter() - started)
                finally:
                    self._changed.acquire()
                self.trims += 1
