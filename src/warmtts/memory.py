"""Handing freed heap back to the operating system.

glibc keeps freed memory in its heaps for reuse, so a burst of long requests would leave the
RSS at its peak for good. Trimming when the work is done returns it; the call takes a few
milliseconds and does nothing on other C libraries.
"""

from __future__ import annotations

import ctypes
import gc
import logging

log = logging.getLogger(__name__)


def release_free_memory() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass
