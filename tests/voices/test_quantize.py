"""An int8 (QDQ) vocoder built from a voice's float32 one speaks the same length, near float32,
and still decodes in windows equal to its one-shot output (its activation scales are fixed, so
its convolutions stay frame-local), given the context measured on the int8 graph itself (int8
rounding can reach a frame further: MB-MelGAN's 21 against 20). Built and loaded through the
model cache, as a voice would."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from warmtts.engine import Engine
from warmtts.voices.baker import DATA_DIR, HOP, BakerVoice
from warmtts.voices.catalog import en_joe_files
from warmtts.voices.model_cache import ModelCache
from warmtts.voices.onnx_session import Model, Runtime, make_session
from warmtts.voices.params import SynthesisParams
from warmtts.voices.piper_voice import PiperVoice
from warmtts.voices.quantize import (
    FASTSPEECH2_INT8,
    FASTSPEECH2_INT8_SAME_FRAMES,
    QuantOptions,
    int8_prepare,
    quantize_weights_graph,
)
from warmtts.voices.vits_split import split_vits
from warmtts.voices.windows import decode_windows, receptive_field

# Not among the calibration texts.
EN_LONG = (
    "The quick brown fox jumps over the lazy dog near the river bank and then it runs away into the dark "
    "forest where nobody can find it again for a very long time."
)
ZH_LONG = "在一个阳光明媚的早晨，小明背着书包走进了学校的大门，他看到同学们正在操场上做早操，老师站在前面认真地喊着口令。"
# Float32 against int8 waveforms: a GAN vocoder's int8 output differs in fine detail (en-joe
# 14.7 dB, MB-MelGAN 9.0 dB on these texts), so the floor is far below the windows' 40 dB; it
# still fails on a broken graph (noise, silence, shifted samples: near or below 0 dB).
# bench/quantized.py measures what a listener and an ASR model hear.
SNR_FLOOR_DB = 6.0
MEL_SNR_FLOOR_DB = 15.0  # FastSpeech2 int8 mel against float32: 19.3 dB on ZH_LONG; a broken graph gives ~0


def _snr(reference: np.ndarray, test: np.ndarray) -> float:
    noise = float(np.sum((reference.astype(np.float64) - test) ** 2))
    return 10 * np.log10(float(np.sum(reference.astype(np.float64) ** 2)) / max(noise, 1e-30))


def _cached(tmp_path: Path, model: Path, part: str, prepare: Callable[[], bytes]) -> Model:
    """The int8 graph written through a model cache, then loaded back from it by a second start
    (which must not prepare it again)."""
    Runtime(cache=ModelCache(tmp_path)).load(model, part, prepare)

    def again() -> bytes:
        raise AssertionError("the cached int8 graph was prepared a second time")

    return Runtime(cache=ModelCache(tmp_path)).load(model, part, again)


def _check(one_shot_fp32: np.ndarray, decode: Callable[[np.ndarray], np.ndarray], frames: np.ndarray,
           axis: int, hop: int, voice: PiperVoice | BakerVoice) -> None:
    one_shot = decode(frames).reshape(-1)
    assert one_shot.shape == one_shot_fp32.shape
    assert _snr(one_shot_fp32, one_shot) >= SNR_FLOOR_DB
    probe = [1, frames.shape[1], 64] if axis == 2 else [1, 64, frames.shape[2]]
    context = receptive_field(decode, tuple(probe), axis, hop)
    assert voice.windows.context - 2 <= context <= voice.windows.context + 2  # the same structure
    plan = dataclasses.replace(voice.windows, context=context)  # measured on the int8 graph itself
    windowed = np.concatenate([audio for audio, _ in decode_windows(decode, frames, axis, hop, plan)])
    assert len(plan.spans(frames.shape[axis])) >= 4
    assert float(np.max(np.abs(windowed - one_shot))) <= 1e-4


def test_int8_vits_decoder_matches_float32_and_windows(engine: Engine, tmp_path: Path) -> None:
    voice = engine.voices.get("en-joe")
    assert isinstance(voice, PiperVoice)
    model = en_joe_files()[0]
    split = split_vits(model)
    assert split is not None
    params = SynthesisParams()

    def latent(text: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        prior, conditioning, _ = voice.prior(voice.phonemize(text), params)
        return voice.flow(prior, conditioning), conditioning

    def feeds(text: str) -> dict[str, np.ndarray]:
        frames, conditioning = latent(text)
        return {split.names.latent: frames, **conditioning}

    int8 = _cached(tmp_path, model, "vits-decoder-int8", int8_prepare(lambda: split.decoder, feeds, "en"))
    frames, conditioning = latent(EN_LONG)
    decode = lambda window: int8.run(None, {split.names.latent: window, **conditioning})[0]
    _check(voice.decode(frames, conditioning).reshape(-1), decode, frames, 2, voice.hop, voice)


def test_int8_mb_melgan_matches_float32_and_windows(engine: Engine, tmp_path: Path) -> None:
    voice = engine.voices.get("zh-baker")
    assert isinstance(voice, BakerVoice)
    params = SynthesisParams()
    model = DATA_DIR / "mb_melgan.onnx"
    feeds = lambda text: {"mels": voice.mel(voice.phonemize(text), params)[0]}
    int8 = _cached(tmp_path, model, "mb_melgan-int8", int8_prepare(model.read_bytes, feeds, "zh"))
    mel, _ = voice.mel(voice.phonemize(engine.normalizer.normalize(ZH_LONG, "zh")), params)
    decode = lambda frames: int8.run(None, {"mels": frames})[0]
    _check(voice.vocode(mel).reshape(-1), decode, mel, 1, HOP, voice)


def test_options_name_each_variant() -> None:
    assert QuantOptions().name == "qdq-u8-s8"
    assert QuantOptions("QInt8", reduce_range=True, exclude_ops=("ConvTranspose",)).name == "qdq-s8-s8-rr-noConvTranspose"


def test_weights_only_int8_is_not_frame_local(engine: Engine) -> None:
    """Why dynamic quantisation is never used for a windowed vocoder: each call scales its
    activations from the window itself, so windows no longer join into the one-shot audio."""
    voice = engine.voices.get("zh-baker")
    assert isinstance(voice, BakerVoice)
    session = make_session(quantize_weights_graph((DATA_DIR / "mb_melgan.onnx").read_bytes()), 1)
    mel, _ = voice.mel(voice.phonemize(engine.normalizer.normalize(ZH_LONG, "zh")), SynthesisParams())
    decode = lambda frames: session.run(None, {"mels": frames})[0]
    one_shot = decode(mel).reshape(-1)
    windowed_audio = np.concatenate([a for a, _ in decode_windows(decode, mel, 1, HOP, voice.windows)])
    assert windowed_audio.shape == one_shot.shape
    assert float(np.max(np.abs(windowed_audio - one_shot))) > 1e-4


def _fastspeech2(engine: Engine, tmp_path: Path, options: QuantOptions) -> tuple[BakerVoice, Model, Callable[[list[str]], dict[str, np.ndarray]]]:
    voice = engine.voices.get("zh-baker")
    assert isinstance(voice, BakerVoice)
    ids = json.loads((DATA_DIR / "baker_mapper.json").read_text(encoding="utf-8"))["symbol_to_id"]

    def inputs(phonemes: list[str]) -> dict[str, np.ndarray]:
        """FastSpeech2's feeds as BakerVoice.mel makes them at speed, pitch and energy 1."""
        return {
            "input_ids": np.array([[ids[p] for p in phonemes] + [ids["eos"]]], np.int32),
            "speaker_ids": np.zeros(1, np.int32),
            "speed_ratios": np.ones(1, np.float32),
            "f0_ratios": np.ones(1, np.float32),
            "energy_ratios": np.ones(1, np.float32),
        }

    model = DATA_DIR / "fastspeech2.onnx"
    feeds = lambda text: inputs(voice.phonemize(text).phonemes)
    return voice, _cached(tmp_path, model, f"fastspeech2-{options.name}", int8_prepare(model.read_bytes, feeds, "zh", options)), inputs


def test_int8_fastspeech2_with_float_durations_keeps_every_frame(engine: Engine, tmp_path: Path) -> None:
    """Only the mel decoder int8: the mel has exactly float32's frames, near its values, and the
    audio float32's length."""
    voice, int8, inputs = _fastspeech2(engine, tmp_path, FASTSPEECH2_INT8_SAME_FRAMES)
    phonemized = voice.phonemize(engine.normalizer.normalize(ZH_LONG, "zh"))
    mel, frames = voice.mel(phonemized, SynthesisParams())
    mel8, frames8 = int8.run(["Identity_1", "Identity_2"], inputs(phonemized.phonemes))
    assert np.array_equal(frames.reshape(-1), frames8.reshape(-1)) and mel8.shape == mel.shape
    assert _snr(mel, mel8) >= MEL_SNR_FLOOR_DB
    audio = np.concatenate([a for a, _ in decode_windows(voice.vocode, mel8, 1, HOP, voice.windows)])
    assert len(audio) == mel.shape[1] * HOP


def test_int8_fastspeech2_convolutions_move_a_symbol_by_a_frame_at_most(engine: Engine, tmp_path: Path) -> None:
    """All convolutions int8 (the duration predictor's inputs quantised): a symbol's frames may
    change by one, the utterance's by little, and the audio still has a hop per mel frame."""
    voice, int8, inputs = _fastspeech2(engine, tmp_path, FASTSPEECH2_INT8)
    phonemized = voice.phonemize(engine.normalizer.normalize(ZH_LONG, "zh"))
    _, frames = voice.mel(phonemized, SynthesisParams())
    mel8, frames8 = int8.run(["Identity_1", "Identity_2"], inputs(phonemized.phonemes))
    step = np.abs(frames.reshape(-1).astype(int) - frames8.reshape(-1).astype(int))
    assert step.max() <= 1 and abs(int(frames.sum()) - int(frames8.sum())) <= 0.03 * frames.sum()
    audio = np.concatenate([a for a, _ in decode_windows(voice.vocode, mel8, 1, HOP, voice.windows)])
    assert len(audio) == mel8.shape[1] * HOP
