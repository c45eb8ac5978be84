"""The idle trimmer: one trim after the server goes quiet, none while it is busy."""

from __future__ import annotations

import time

from warmtts.memory import IdleTrimmer


def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_trims_once_after_the_last_request_of_a_burst() -> None:
    trimmer = IdleTrimmer(quiet_seconds=0.2)
    trimmer.start()
    try:
        for _ in range(20):  # a burst of short requests, each leaving the server idle a moment
            trimmer.busy()
            trimmer.idle()
        assert trimmer.trims == 0
        assert wait_for(lambda: trimmer.trims == 1)
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
        assert wait_for(lambda: trimmer.trims == 1)
    finally:
        trimmer.stop()
