"""The set of loaded voices: the two built-ins and any Piper voices found in a user folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from warmtts.errors import UnknownVoiceError, VoiceLoadError
from warmtts.voices.base import Voice
from warmtts.voices.catalog import EN_JOE_LICENSE, en_joe_files, user_voice_files
from warmtts.voices.onnx_session import Runtime
from warmtts.voices.piper_voice import PiperVoice

if TYPE_CHECKING:  # zh-baker's modules import jieba and pypinyin: only a start that loads it pays
    from warmtts.phonemes.zh_pinyin import ZhG2P
    from warmtts.voices.baker import BakerVoice


def load_zh_baker(g2p: Callable[[], ZhG2P], runtime: Runtime) -> BakerVoice:
    from warmtts.voices.baker import BakerVoice

    return BakerVoice(g2p, runtime)  # its sessions build before it waits for the g2p


def load_en_joe(runtime: Runtime) -> PiperVoice:
    model, config = en_joe_files()
    return PiperVoice("en-joe", model, config, runtime, license=EN_JOE_LICENSE)


def builtin_loaders(g2p: Callable[[], ZhG2P], runtime: Runtime) -> dict[str, Callable[[], Voice]]:
    """Loaders by voice id, so the preload manager can time (and parallelise) each one; `g2p`
    gives the Chinese frontend's resources when zh-baker needs them (they load meanwhile)."""
    return {"zh-baker": lambda: load_zh_baker(g2p, runtime), "en-joe": lambda: load_en_joe(runtime)}


def user_voice_loaders(folder: Path, runtime: Runtime) -> dict[str, Callable[[], Voice]]:
    """A loader for each `NAME.onnx` beside a `NAME.onnx.json`; the voice id is NAME."""
    return {
        voice_id: lambda m=model, c=config, v=voice_id: PiperVoice(v, m, c, runtime)
        for voice_id, (model, config) in user_voice_files(folder).items()
    }


class VoiceRegistry:
    def __init__(self) -> None:
        self._voices: dict[str, Voice] = {}

    def add(self, voice: Voice) -> None:
        if voice.info.id in self._voices:
            raise VoiceLoadError(f"two voices named {voice.info.id!r}")
        self._voices[voice.info.id] = voice

    def get(self, voice_id: str) -> Voice:
        try:
            return self._voices[voice_id]
        except KeyError:
            raise UnknownVoiceError(voice_id, self.ids()) from None

    def ids(self) -> list[str]:
        return list(self._voices)

    def all(self) -> list[Voice]:
        return list(self._voices.values())

    def first_for_language(self, language: str, preferred: str) -> Voice | None:
        """The preferred voice if it speaks `language`, else the first loaded one that does."""
        voice = self._voices.get(preferred)
        if voice is not None and voice.info.language == language:
            return voice
        return next((v for v in self._voices.values() if v.info.language == language), None)
