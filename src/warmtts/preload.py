"""Loading everything a request touches, step by step, each step timed and logged.

The CLI and the server build their one Engine here. Each step logs one machine-parsable line
(`preload step=voice:zh-baker seconds=0.210`); the timings are kept for /ready.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from warmtts.config import Settings
from warmtts.engine import Engine
from warmtts.phonemes.en_espeak import phonemize
from warmtts.phonemes.zh_pinyin import ZhG2P
from warmtts.text.normalize import TextNormalizer
from warmtts.voices.registry import VoiceRegistry, builtin_loaders, user_voice_loaders

log = logging.getLogger("warmtts.preload")
T = TypeVar("T")

WARM_UP_TEXT = {"zh": "2026年11月24日，银行行长说：我们长大了。", "en": "Hello, this is a warm-up at 3:45 pm."}


@dataclass
class PreloadReport:
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.steps.values())


def timed(report: PreloadReport, name: str, action: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    report.steps[name] = seconds
    log.info("preload step=%s seconds=%.3f", name, seconds)
    return result


def build_engine(settings: Settings, report: PreloadReport | None = None, warm: bool = True) -> Engine:
    """Load resources and voices, then (with `warm`) run one real synthesis per voice."""
    report = report if report is not None else PreloadReport()
    normalizer = timed(report, "normalizer", lambda: _warmed(TextNormalizer()))
    g2p = timed(report, "jieba+pypinyin", lambda: _warmed(ZhG2P()))
    timed(report, "espeak", lambda: phonemize("warm up", "en-us"))
    registry = VoiceRegistry()
    loaders = builtin_loaders(g2p, settings.onnx_threads)
    if settings.voices_dir is not None:
        loaders |= user_voice_loaders(settings.voices_dir, settings.onnx_threads)
    for voice_id, load in loaders.items():
        registry.add(timed(report, f"voice:{voice_id}", load))
    engine = Engine(registry, normalizer, settings)
    if warm:
        for voice in registry.all():
            text = WARM_UP_TEXT.get(voice.info.language, WARM_UP_TEXT["en"])
            timed(report, f"warmup:{voice.info.id}", lambda v=voice, t=text: engine.synthesize(t, v.info.id))
    log.info("preload done steps=%d seconds=%.3f", len(report.steps), report.total_seconds)
    return engine


def _warmed(resource: T) -> T:
    resource.warm_up()  # type: ignore[attr-defined]
    return resource
