"""Time-stretching window by window: the same audio as stretching it at once, of the right length."""

from __future__ import annotations

import numpy as np
import pytest

from warmtts.audio.stretch import TimeStretcher
from warmtts.engine import Engine
from warmtts.voices.params import SynthesisParams


@pytest.mark.parametrize("speed", [0.5, 2.0])
def test_windows_stretch_as_one_run_and_last_their_share(engine: Engine, speed: float) -> None:
    voice = engine.voices.get("zh-baker")

    windows = [s.audio for s in voice.synthesize(voice.phonemize("我们明天早上八点在学校门口见面。"), SynthesisParams())]
    assert len(windows) > 2
    whole = np.concatenate(windows)

    at_once = TimeStretcher(speed)
    one = np.concatenate([at_once.feed(whole), at_once.finish()])
    by_window = TimeStretcher(speed)
    parts = [by_window.feed(w) for w in windows] + [by_window.finish()]
    streamed = np.concatenate(parts)

    assert len(one) == len(streamed) == round(len(whole) / speed)
    np.testing.assert_allclose(streamed, one, atol=1e-5)  # state runs on: no seam between windows
    assert len(parts[0]) > 0  # it streams: the first window gives audio before the last arrives
    rms = lambda a: float(np.sqrt(np.mean(a.astype(np.float64) ** 2)))  # noqa: E731
    assert 0.7 < rms(streamed) / rms(whole) < 1.3  # the same speech, not silence or a blast
