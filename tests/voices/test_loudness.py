"""Every voice at one loudness: measured on passages the calibration never saw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from warmtts.engine import Engine
from warmtts.voices.level import CEILING, KNEE, Level, soft_limit
from warmtts.voices.loudness import (
    STOCHASTIC_DRAWS,
    calibrate,
    integrated_lufs,
    measure_voice,
)
from warmtts.voices.model_cache import ModelCache
from warmtts.voices.onnx_session import Runtime

# The same passage in both languages, so the comparison is of voices, not of texts.
HELD_OUT = {
    "zh-baker": "我们明天早上八点在学校门口见面，然后一起坐车去博物馆参观。这家小店的面条很好吃，"
    "每天中午都有很多人排队。请把窗户关上，外面的风越来越大了。",
    "en-joe": "We will meet at the school gate at eight tomorrow morning, then take the bus to the museum "
    "together. The noodles at this little shop are delicious, and every day at noon many people wait in "
    "line. Please close the window, the wind outside is getting stronger.",
}


def test_chinese_and_english_speech_match_in_loudness_without_clipping(engine: Engine) -> None:
    target = engine.settings.loudness_lufs
    measured = {}
    for voice, text in HELD_OUT.items():
        clip = engine.synthesize(text, voice)
        audio = clip.pcm.astype(np.float32) / 32767
        measured[voice] = integrated_lufs(audio, clip.sample_rate)
        assert np.abs(clip.pcm).max() <= round(32767 * CEILING) + 1  # limited: never at full scale
        assert abs(measured[voice] - target) < 1.5, measured
    assert abs(measured["zh-baker"] - measured["en-joe"]) < 1.0, measured


def test_mixed_text_keeps_its_level_at_the_switch(engine: Engine) -> None:
    """Each language run of one mixed stream, measured apart, within 1 LU of the other."""
    stream = engine.synthesize_stream(HELD_OUT["zh-baker"] + HELD_OUT["en-joe"], "zh-baker")
    runs: dict[str, list[np.ndarray]] = {}
    for chunk in stream:
        runs.setdefault("zh" if any("\u4e00" <= ch <= "\u9fff" for ch in chunk.text) else "en", []).append(chunk.pcm)
    zh, en = (integrated_lufs(np.concatenate(runs[k]).astype(np.float32) / 32767, stream.sample_rate) for k in ("zh", "en"))
    assert abs(zh - en) < 1.0, (zh, en)


def test_soft_limit_passes_speech_and_bends_peaks_smoothly() -> None:
    x = np.linspace(-4, 4, 80001, dtype=np.float32)
    y = soft_limit(x)
    quiet = np.abs(x) <= KNEE
    assert np.array_equal(y[quiet], x[quiet])
    assert np.abs(y).max() <= np.float32(CEILING) and np.all(np.diff(y) >= 0)  # bounded, monotonic
    assert np.abs(np.diff(y)).max() <= np.abs(np.diff(x)).max() * 1.0001  # no step anywhere
    windows = np.array_split(x * 0.5, 7)  # a function of each sample: windowing changes nothing
    assert np.array_equal(np.concatenate([Level(2.0).apply(w) for w in windows]), Level(2.0).apply(x * 0.5))


def test_calibration_is_measured_once_per_model_and_read_back(engine: Engine, tmp_path: Path) -> None:
    voice = engine.voices.get("en-joe")
    runtime = Runtime(cache=ModelCache(tmp_path))
    before = voice.level
    try:
        first = calibrate(voice, runtime, -20.0)
        assert list(tmp_path.glob("*-loudness-*.json"))

        def refuse(*_: object) -> None:
            raise AssertionError("synthesised again although the measure was cached")

        voice.synthesize = refuse  # type: ignore[method-assign]
        assert calibrate(voice, runtime, -23.0) == pytest.approx(first - 3.0)
        assert voice.level.gain == pytest.approx(10 ** ((first - 3.0) / 20))
    finally:
        vars(voice).pop("synthesize", None)
        voice.level = before


@pytest.mark.parametrize(("voice_id", "readings"), [("zh-baker", 1), ("en-joe", STOCHASTIC_DRAWS)])
def test_a_voice_that_draws_noise_is_measured_over_several_readings(
    engine: Engine, voice_id: str, readings: int, caplog: pytest.LogCaptureFixture
) -> None:
    """zh-baker reads a text the same way every time; en-joe samples noise, so one reading would
    fix every later start's gain by one draw."""
    voice = engine.voices.get(voice_id)
    calls: list[str] = []
    synthesize = voice.synthesize

    def counted(phonemized, params):  # type: ignore[no-untyped-def]
        calls.append(phonemized.text)
        return synthesize(phonemized, params)

    voice.synthesize = counted  # type: ignore[method-assign]
    try:
        with caplog.at_level("INFO", logger="warmtts.voices.loudness"):
            measure_voice(voice)
    finally:
        vars(voice).pop("synthesize", None)
    sentences = len(set(calls))
    # A deterministic voice is read twice to find out, then measured once.
    assert len(calls) == sentences * max(2, readings)
    assert f"loudness_measured voice={voice_id} readings={readings} " in caplog.text
