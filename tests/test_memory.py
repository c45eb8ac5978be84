"""The idle trimmer: one trim after the server goes quiet, none while it is busy."""

from __future__ import annotations

import time

from tests.polling import poll
from warmtts.memory import IdleTrimmer


def test_trims_once_after_the_last_request_of_a_burst() -> None:
    trimmer = IdleTrimmer(quiet_seconds=0.2)
    trimmer.start()
    try:
        for _ in range(20):  # a burst of short requests, each leaving the server idle a moment
            trimmer.busy()
            trimmer.idle()
        assert trimmer.trims == 0
        assert poll(lambda: trimmer.trims == 1, 5.0)
        time.sleep(0.3)
        assert trimmer.trims == 1  # idle on: nothing more to give back
    finally:
        trimmer.stop()


def test_never_trims_while_busy() -> None:
    trimmer = IdleTrimmer(quiet_seconds=0.05)
    trimmer.start()
    try:
        trimmer.busy()
        trimmer.busy()
        trimmer.idle()  # one of two requests still running
        time.sleep(0.2)
        assert trimmer.trims == 0
        trimmer.idle()
        assert poll(lambda: trimmer.trims == 1, 5.0)
    finally:
        trimmer.stop()


def test_freed_blocks_are_reused_rather_than_mapped_afresh() -> None:
    """After reuse_freed_memory, a window's worth of activations (five 16 MB blocks at once),
    freed and allocated again and again, takes its pages from the heap. With glibc's defaults
    the freed 80 MB at the heap's top is given back each time and every new block is fresh
    pages, each a page fault: ~2000 a cycle here (about 21 000 over ten cycles, measured)."""
    import resource

    import numpy as np

    from warmtts.memory import reuse_freed_memory

    def window() -> None:
        blocks = [np.ones(4 * 1024 * 1024, np.float32) for _ in range(5)]  # written: every page touched
        del blocks

    assert reuse_freed_memory()  # glibc, as on every machine we run on
    window()  # the heap grows once
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        window()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 2000, faults
