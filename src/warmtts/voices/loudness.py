"""One loudness for every voice, so mixed Chinese and English text does not jump in level at
each switch of voice.

Each voice is measured once per model (ITU-R BS.1770 integrated loudness, through pyloudnorm)
on a calibration sentence of its language; the measure is kept in the model cache beside the
voice's prepared graphs, so later starts read it back instead of synthesising. The voice then
applies one fixed gain to every window and a soft limiter that is the same function of each
sample (level.py): neither depends on the window, so the windows of a run still join without a
seam.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from warmtts.voices.base import Speech, Voice, joined
from warmtts.voices.level import Level
from warmtts.voices.onnx_session import Runtime
from warmtts.voices.params import SynthesisParams

log = logging.getLogger(__name__)

# Sentences used only to calibrate (tests measure others). A few seconds each: BS.1770 gates
# 400 ms blocks, and a longer sample averages out one word's emphasis.
CALIBRATION_TEXT = {
    "zh": "春天来了，山坡上的花都开了。孩子们在草地上奔跑，老人坐在树下聊天。"
    "你知道最近的邮局在哪里吗？我打算下个月去南方旅行，顺便看看老朋友。"
    "这座城市的夜晚很安静，街上只有几辆出租车。",
    "en": "The morning train was late again, so we walked along the river and talked about the weekend. "
    "Could you tell me where the nearest post office is? "
    "I am planning a trip to the coast next month, to visit some old friends. "
    "At night the city is quiet, with only a few taxis on the streets.",
}
CACHE_PART = "loudness-v3"  # bump when the calibration sentences or the measure change
# A voice that draws noise (Piper's VITS samples durations and latents) measured 0.28 LU apart
# between two single readings of the calibration sentences, and the cached figure then set every
# later start's gain by one draw. Such a voice is read this many times and measured as one.
STOCHASTIC_DRAWS = 4


def integrated_lufs(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness of mono float audio; -inf for silence. pyloudnorm is imported
    here, not with the module: it brings scipy (81 MB resident, 0.5 s), and a start whose
    measures are all cached never needs it."""
    import pyloudnorm

    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(np.asarray(audio, np.float64)))


def measure_voice(voice: Voice) -> float:
    """The voice's own loudness on its calibration sentences, before any gain: one reading for a
    voice that reads the same text the same way twice, else several readings measured together."""
    text = CALIBRATION_TEXT.get(voice.info.language, CALIBRATION_TEXT["en"])
    sentences = [s for s in text.replace("。", "。\n").replace(". ", ".\n").splitlines() if s.strip()]

    def read() -> np.ndarray:
        speech: list[Speech] = []
        for sentence in sentences:
            speech.extend(voice.synthesize(voice.phonemize(sentence), SynthesisParams()))
        return joined(speech)

    readings = [read(), read()]
    if not np.array_equal(readings[0], readings[1]):
        readings.extend(read() for _ in range(STOCHASTIC_DRAWS - 2))
    else:
        readings = readings[:1]
    lufs = integrated_lufs(np.concatenate(readings), voice.info.sample_rate)
    if not math.isfinite(lufs):
        raise ValueError(f"voice {voice.info.id}: calibration sentence gave no measurable audio")
    log.info("loudness_measured voice=%s readings=%d lufs=%.2f", voice.info.id, len(readings), lufs)
    return lufs


def calibrate(voice: Voice, runtime: Runtime, target_lufs: float) -> float:
    """Set the voice's gain so its speech measures `target_lufs`; returns the gain in dB.
    The measure is cached per model, so only a model's first start synthesises."""
    voice.level = Level()
    facts = runtime.facts(voice.model_file, CACHE_PART, lambda: {"lufs": measure_voice(voice)})
    gain_db = target_lufs - float(facts["lufs"])
    voice.level = Level(10 ** (gain_db / 20))
    log.info("loudness voice=%s measured_lufs=%.2f target_lufs=%.1f gain_db=%.2f",
             voice.info.id, facts["lufs"], target_lufs, gain_db)
    return gain_db
