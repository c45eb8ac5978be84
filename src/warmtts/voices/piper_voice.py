"""Piper VITS voices (en-joe and user voices): espeak-ng phonemes, our own ONNX session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from piper.config import PhonemeType, PiperConfig
from piper.phoneme_ids import phonemes_to_ids

from warmtts.errors import VoiceLoadError
from warmtts.phonemes.en_espeak import phonemize
from warmtts.voices.base import Phonemized, VoiceInfo
from warmtts.voices.params import SynthesisParams
from warmtts.voices.onnx_session import make_session


class PiperVoice:
    def __init__(self, voice_id: str, model: Path, config_path: Path, threads: int, license: str = "") -> None:
        try:
            self.config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise VoiceLoadError(f"{config_path}: not a Piper voice config: {exc}") from exc
        if self.config.phoneme_type != PhonemeType.ESPEAK:
            raise VoiceLoadError(
                f"{config_path}: phoneme_type {self.config.phoneme_type.value!r} unsupported; "
                "only espeak voices can be added"
            )
        self._session = make_session(model, threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        language = self.config.espeak_voice.split("-")[0].lower()
        self.info = VoiceInfo(
            id=voice_id,
            language=language,
            sample_rate=self.config.sample_rate,
            engine="piper-vits",
            description=f"Piper voice {model.stem} (espeak-ng {self.config.espeak_voice})",
            license=license,
        )

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self.config.phoneme_id_map)

    def phonemize(self, text: str) -> Phonemized:
        phonemes = [p for p in phonemize(text, self.config.espeak_voice) if p in self.config.phoneme_id_map]
        return Phonemized(text, phonemes, {})

    def synthesize(self, phonemized: Phonemized, params: SynthesisParams) -> np.ndarray:
        if not any(p.isalpha() for p in phonemized.phonemes):
            return np.zeros(0, np.float32)
        ids = phonemes_to_ids(phonemized.phonemes, self.config.phoneme_id_map)
        feeds = {
            "input": np.array([ids], np.int64),
            "input_lengths": np.array([len(ids)], np.int64),
            "scales": np.array(
                [self.config.noise_scale, self.config.length_scale / params.speed, self.config.noise_w_scale],
                np.float32,
            ),
        }
        if "sid" in self._inputs:
            feeds["sid"] = np.array([self.config.default_speaker_id], np.int64)
        audio = self._session.run(None, feeds)[0].reshape(-1)
        return np.clip(audio, -1.0, 1.0).astype(np.float32)
