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
