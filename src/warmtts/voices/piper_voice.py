"""Piper VITS voices (en-joe and user voices): espeak-ng phonemes, our own ONNX sessions.

The graph is split at load (vits_split.py), so the flow and the decoder run over windows of the
prior and the first audio of a long sentence costs the text encoder and durations plus one small
window, whatever the sentence's length.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from piper.config import PiperConfig
from piper.phoneme_ids import BOS, PAD, phonemes_to_ids

from warmtts.errors import VoiceLoadError
from warmtts.phonemes.en_espeak import phonemize, word_units
from warmtts.voices.base import Given, Phonemized, Span, Speech, Timing
from warmtts.voices.catalog import piper_info, read_piper_config
from warmtts.voices.level import Level
from warmtts.voices.onnx_session import Runtime
from warmtts.voices.params import SynthesisParams
from warmtts.voices.vits_split import SplitNames, SplitVits, split_vits
from warmtts.voices.windows import decode_windows, receptive_field

log = logging.getLogger(__name__)

# A graph that is not split speaks in one call; a split one runs the flow and the decoder over
# windows, each with its receptive field as context, measured once per model
# (windows.receptive_field; en-joe: flow 32, decoder 11 frames).


class PiperVoice:
    def __init__(
        self, voice_id: str, model: Path, config_path: Path, runtime: Runtime, license: str = ""
    ) -> None:
        raw = read_piper_config(config_path)
        self.info = piper_info(voice_id, model, config_path, license, raw)  # also refuses a non-espeak voice
        try:
            self.config = PiperConfig.from_dict(raw)
        except (ValueError, KeyError, TypeError) as exc:
            raise VoiceLoadError(f"{config_path}: not a Piper voice config: {exc}") from exc
        split = functools.cache(lambda: split_vits(model))  # only when the cache lacks a part

        def parts() -> SplitVits:
            found = split()
            if found is None:
                raise VoiceLoadError(f"{model}: cached as splittable, but the graph no longer splits")
            return found

        try:
            facts = runtime.facts(model, "vits-split-v3", lambda: split().names.to_dict() if split() else {})
            self._split = SplitNames.from_dict(facts) if facts else None
            if self._split is None:
                log.warning("voice %s: graph not split (no Piper flow and decoder nodes); spoken in one call", voice_id)
                self._session = runtime.load(model)
            else:
                self._session = runtime.load(model, "vits-encoder-v3", lambda: parts().prior, wide=True)
                self._flow = runtime.load(model, "vits-flow-v3", lambda: parts().flow, wide=True)
                self._decoder = runtime.load(model, "vits-decoder-v3", lambda: parts().decoder, wide=True)
        except Exception as exc:  # onnx and onnxruntime raise their own types for a bad file
            raise VoiceLoadError(f"{model}: not a loadable ONNX model: {exc}") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.model_file = model
        self.level = Level()  # set by calibration (loudness.py)
        self.hop = 256  # Piper's HiFi-GAN upsamples each latent frame by 8·8·2·2
        if self._split is None:
            self.windows = runtime.windows.plan(self.config.sample_rate, self.hop, 1)
            return
        self._flow_reads = {i.name for i in self._flow.get_inputs()}
        self._decoder_reads = {i.name for i in self._decoder.get_inputs()}
        reach = runtime.facts(model, "vits-context-v3", self._measure_context)
        self.windows = runtime.windows.plan(
            self.config.sample_rate, self.hop, reach["context"], flow_context=reach["flow_context"]
        )

    def _measure_context(self) -> dict[str, int]:
        """The decoder's and the flow's receptive fields in frames, with the conditioning a
        one-phoneme utterance gives (a multi-speaker model's speaker embedding)."""
        phoneme = next(p for p in self.config.phoneme_id_map if p.isalpha())
        prior, conditioning, _ = self.prior(Phonemized(phoneme, [phoneme]), SynthesisParams())
        channels = prior.shape[1]
        decode = lambda frames: self.decode(frames, conditioning)  # noqa: E731
        flow = lambda frames: self.flow(frames, conditioning).transpose(0, 2, 1)  # noqa: E731  # frame-major
        return {
            "context": receptive_field(decode, (1, channels, 64), 2, self.hop),
            "flow_context": receptive_field(flow, (1, channels, 64), 2, channels),
        }

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self.config.phoneme_id_map)

    def phonemize(self, text: str, given: Sequence[Given] = ()) -> Phonemized:
        """espeak-ng's phonemes, each with the word it speaks; IPA the caller gave replaces
        espeak's reading of its stretch (the text around it is phonemised on its own)."""
        known = self.config.phoneme_id_map
        phonemes: list[str] = []
        units: list[Span | None] = []
        at = 0
        for item in sorted((g for g in given if g.alphabet == "ipa"), key=lambda g: g.start):
            if item.start < at:
                continue
            self._extend(phonemes, units, self._espeak(text[at : item.start], at))
            ipa = [p for p in unicodedata.normalize("NFD", item.ph) if p in known or p.isspace()]
            self._extend(phonemes, units, [(" " if p.isspace() else p, (item.start, item.end)) for p in ipa])
            at = item.end
        self._extend(phonemes, units, self._espeak(text[at:], at))
        return Phonemized(text, phonemes, {}, tuple(units))

    def _espeak(self, text: str, offset: int) -> list[tuple[str, Span | None]]:
        if not text.strip():
            return []
        phonemes = [p for p in phonemize(text, self.config.espeak_voice) if p in self.config.phoneme_id_map]
        return [(p, None if u is None else (u[0] + offset, u[1] + offset)) for p, u in word_units(text, phonemes)]

    @staticmethod
    def _extend(phonemes: list[str], units: list[Span | None], part: list[tuple[str, Span | None]]) -> None:
        if not part:
            return
        if phonemes and phonemes[-1] != " " and part[0][0] != " ":
            phonemes.append(" ")
            units.append(None)
        phonemes.extend(p for p, _ in part)
        units.extend(u for _, u in part)

    def _feeds(self, phonemized: Phonemized, params: SynthesisParams) -> dict[str, np.ndarray]:
        ids = phonemes_to_ids(phonemized.phonemes, self.config.phoneme_id_map)
        feeds = {
            "input": np.array([ids], np.int64),
            "input_lengths": np.array([len(ids)], np.int64),
            "scales": np.array(
                [self.config.noise_scale, self.config.length_scale / params.model_speed, self.config.noise_w_scale],
                np.float32,
            ),
        }
        if "sid" in self._inputs:
            feeds["sid"] = np.array([self.config.default_speaker_id], np.int64)
        return feeds

    def prior(self, phonemized: Phonemized, params: SynthesisParams) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
        """The utterance's prior frames z_p [1, C, T] (its noise drawn once, here), the flow's and
        the decoder's other inputs, and the frames the duration predictor gave each input symbol."""
        assert self._split is not None
        prior, *conditioning, frames = self._session.run(None, self._feeds(phonemized, params))
        return prior, dict(zip(self._split.conditioning, conditioning)), frames.reshape(-1)

    def flow(self, prior: np.ndarray, conditioning: dict[str, np.ndarray]) -> np.ndarray:
        """The decoder's latent for these prior frames, all of them real (the mask is ones)."""
        assert self._split is not None
        feeds = {name: value for name, value in conditioning.items() if name in self._flow_reads}
        mask = np.ones((1, 1, prior.shape[2]), np.float32)
        return self._flow.run(None, {self._split.prior: prior, self._split.mask: mask, **feeds})[0]

    def decode(self, latent: np.ndarray, conditioning: dict[str, np.ndarray]) -> np.ndarray:
        assert self._split is not None
        feeds = {name: value for name, value in conditioning.items() if name in self._decoder_reads}
        return self._decoder.run(None, {self._split.latent: latent, **feeds})[0]

    def synthesize(self, phonemized: Phonemized, params: SynthesisParams) -> Iterator[Speech]:
        if not any(p.isalpha() for p in phonemized.phonemes):
            return
        if self._split is None:
            audio = self._session.run(None, self._feeds(phonemized, params))[0].reshape(-1)
            yield Speech(self.level.apply(audio), True)
            return
        prior, conditioning, frames = self.prior(phonemized, params)
        timing: Timing | None = self._timing(phonemized.phonemes, frames)
        decode = lambda window: self.decode(window, conditioning)  # noqa: E731
        flow = lambda window: self.flow(window, conditioning)  # noqa: E731
        for audio, final in decode_windows(decode, prior, 2, self.hop, self.windows, flow):
            yield Speech(self.level.apply(audio), final, timing)
            timing = None

    def _timing(self, phonemes: list[str], frames: np.ndarray) -> Timing:
        """Seconds per phoneme from the frames per id, ordered as phonemes_to_ids orders them
        (BOS, PAD, then each phoneme and a PAD, EOS); a PAD counts with the phoneme before it."""
        id_map = self.config.phoneme_id_map
        seconds = frames.astype(float) * self.hop / self.config.sample_rate
        at = len(id_map[BOS]) + len(id_map[PAD])
        lead = float(seconds[:at].sum())
        each: list[float] = []
        for phoneme in phonemes:
            size = len(id_map[phoneme]) + len(id_map[PAD])
            each.append(float(seconds[at : at + size].sum()))
            at += size
        return Timing(lead, tuple(each))
