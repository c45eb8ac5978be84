"""Static int8 (QDQ) vocoders and acoustic models against float32: speed, then quality.

    taskset -c 0 python -m bench.quantized [--rounds 5] [--out bench/results/quantized.json]

For each model (en-joe's VITS decoder and text-to-latent half, zh-baker's MB-MelGAN vocoder and
FastSpeech2) and each variant (QDQ u8/s8 activations, 7-bit weights, ConvTranspose or the end
layers left float, weights-only dynamic), the int8 graph is built from the float32 one with
activation ranges calibrated on the CALIBRATION texts' real inputs (the latents, mels and ids
our pipeline gives), then timed in this process against float32 on the EVALUATION texts: one
ONNX thread, the two sessions alternating input by input, the ratio of their sums taken per
round and the median of the rounds reported (the machine is shared: ratios only, no seconds).
The default variant and the conv-only one (and one named by --int8-prefixes / --float-prefixes),
when faster, get the whole voice timed the same way and the quality pass on the evaluation texts: SNR of its audio
against float32's, Whisper base's WER/CER (bench/asr.py) and DNSMOS (speechmos, its own ONNX
models, offline) of both. The calibration texts (bench/texts.py's paragraphs) and the evaluation
texts (bench/intelligibility.py's sentences) share no sentence. A vocoder is calibrated on whole
utterances (as a voice would quantise itself at load) and timed and judged on windows.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench import machine
from bench.intelligibility import SENTENCES
from warmtts.config import Settings
from warmtts.preload import build_engine
from warmtts.voices.base import Phonemized
from warmtts.voices.onnx_session import make_session
from warmtts.voices.params import SynthesisParams
from warmtts.voices.piper_voice import PiperVoice
from warmtts.voices.quantize import (
    CALIBRATION_TEXTS,
    Feeds,
    QuantOptions,
    quantize_static_graph,
    quantize_weights_graph,
)
from warmtts.voices.windows import decode_windows, receptive_field

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "quantized.json"

CALIBRATION = {"en-joe": list(CALIBRATION_TEXTS["en"]), "zh-baker": list(CALIBRATION_TEXTS["zh"])}
EVALUATION = {voice: sentences for voice, (_, sentences) in SENTENCES.items()}

STATIC = (
    QuantOptions("QUInt8"),
    QuantOptions("QInt8"),
    QuantOptions("QUInt8", reduce_range=True),
    QuantOptions("QUInt8", exclude_ends=True),
    QuantOptions("QUInt8", only_ops=("Conv", "ConvTranspose")),
)
# The quality pass (ASR and DNSMOS of ten texts) costs minutes per variant on this machine, so it
# runs for the default variant and the one that keeps most in float32 (the best-sounding in a
# trial on the calibration side: residual sums and activations float, only convolutions int8).
QUALITY = (QuantOptions().name, STATIC[-1].name)


@dataclass
class Target:
    """One model to quantise: its float32 graph, its inputs per text, and how to hear it."""

    name: str
    voice: str
    fp32: bytes
    calibration: list[Feeds]
    evaluation: list[Feeds]
    windowed: bool  # a vocoder run over windows (its SNR/ASR/DNSMOS come from windowed audio)
    results: dict[str, Any] = field(default_factory=dict)


def _windows(decode_input: Callable[[np.ndarray], Feeds], frames: np.ndarray, axis: int, hop: int, plan: Any) -> list[Feeds]:
    """The feeds the pipeline gives a vocoder for one utterance: its windows with context."""
    seen: list[Feeds] = []

    def record(window: np.ndarray) -> np.ndarray:
        seen.append(decode_input(window))
        return np.zeros(window.shape[axis] * hop, np.float32)

    for _ in decode_windows(record, frames, axis, hop, plan):
        pass
    return seen


class Voices:
    """The loaded voices and what our pipeline feeds each of their models, text by text."""

    def __init__(self) -> None:
        self.engine = build_engine(Settings(onnx_threads=1, wide_threads=1, workers=1))
        self.joe = self.engine.voices.get("en-joe")
        self.baker = self.engine.voices.get("zh-baker")
        self.params = SynthesisParams()

    def joe_encoder_feeds(self, text: str) -> Feeds:
        return self.joe._feeds(self.joe.phonemize(text), self.params)

    @functools.cache  # noqa: B019 - one Voices per run; the graph samples noise, so each text's
    def joe_latent(self, text: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:  # latent is drawn once
        return whole_latent(self.joe, self.joe.phonemize(text), self.params)

    def baker_acoustic_feeds(self, text: str) -> Feeds:
        ids = [self.baker._ids[p] for p in self.baker.phonemize(text).phonemes] + [self.baker._eos]
        return {
            "input_ids": np.array([ids], np.int32),
            "speaker_ids": np.zeros(1, np.int32),
            "speed_ratios": np.array([1.0], np.float32),
            "f0_ratios": np.array([1.0], np.float32),
            "energy_ratios": np.array([1.0], np.float32),
        }

    def baker_mel(self, text: str) -> np.ndarray:
        return self.baker.mel(self.baker.phonemize(text), self.params)[0]


def whole_latent(joe: PiperVoice, phonemized: Phonemized, params: SynthesisParams) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The decoder's input for a whole utterance (a fresh noise draw) and its conditioning: the
    float32 prior, then the float32 flow over all of it."""
    prior, conditioning, _ = joe.prior(phonemized, params)
    return joe.flow(prior, conditioning), conditioning


def targets(voices: Voices) -> list[Target]:
    from warmtts.voices.baker import DATA_DIR
    from warmtts.voices.catalog import en_joe_files
    from warmtts.voices.vits_split import split_vits

    split = split_vits(en_joe_files()[0])
    assert split is not None
    latent_name = split.names.latent
    joe = voices.joe

    def joe_windows(text: str) -> list[Feeds]:
        latent, conditioning = voices.joe_latent(text)
        return _windows(lambda w: {latent_name: w, **conditioning}, latent, 2, joe.hop, joe.windows)

    def joe_whole(text: str) -> Feeds:
        latent, conditioning = voices.joe_latent(text)
        return {latent_name: latent, **conditioning}

    def baker_windows(text: str) -> list[Feeds]:
        return _windows(lambda w: {"mels": w}, voices.baker_mel(text), 1, voices.baker.hop, voices.baker.windows)

    def each(voice: str, texts: dict[str, list[str]], feeds: Callable[[str], list[Feeds]]) -> list[Feeds]:
        return [f for text in texts[voice] for f in feeds(text)]

    return [
        Target("en-joe vits-decoder", "en-joe", split.decoder, [joe_whole(t) for t in CALIBRATION["en-joe"]],
               each("en-joe", EVALUATION, joe_windows), True),
        Target("zh-baker mb_melgan", "zh-baker", (DATA_DIR / "mb_melgan.onnx").read_bytes(),
               [{"mels": voices.baker_mel(t)} for t in CALIBRATION["zh-baker"]],
               each("zh-baker", EVALUATION, baker_windows), True),
        Target("en-joe vits-encoder", "en-joe", split.prior, [voices.joe_encoder_feeds(t) for t in CALIBRATION["en-joe"]],
               [voices.joe_encoder_feeds(t) for t in EVALUATION["en-joe"]], False),
        Target("zh-baker fastspeech2", "zh-baker", (DATA_DIR / "fastspeech2.onnx").read_bytes(),
               [voices.baker_acoustic_feeds(t) for t in CALIBRATION["zh-baker"]],
               [voices.baker_acoustic_feeds(t) for t in EVALUATION["zh-baker"]], False),
    ]


def speed_ratio(fp32: Any, int8: Any, feeds: list[Feeds], rounds: int) -> dict[str, Any]:
    """int8 CPU time / float32 CPU time over all `feeds`, alternating model by model and input
    by input; the median of `rounds` ratios (process time: one ONNX thread, no waiting counted)."""
    for session in (fp32, int8):  # first calls allocate and pick kernels
        session.run(None, feeds[0])
    ratios, sums = [], []
    for r in range(rounds):
        spent = {"fp32": 0.0, "int8": 0.0}
        order = (("fp32", fp32), ("int8", int8)) if r % 2 == 0 else (("int8", int8), ("fp32", fp32))
        for feed in feeds:
            for name, session in order:
                start = time.process_time()
                session.run(None, feed)
                spent[name] += time.process_time() - start
        ratios.append(spent["int8"] / spent["fp32"])
        sums.append(spent)
    return {"ratio": statistics.median(ratios), "ratios": [round(x, 3) for x in ratios],
            "fp32_cpu_s_median": statistics.median(s["fp32"] for s in sums),
            "int8_cpu_s_median": statistics.median(s["int8"] for s in sums)}


def snr_db(reference: np.ndarray, test: np.ndarray) -> float:
    noise = np.sum((reference.astype(np.float64) - test) ** 2)
    return float(10 * np.log10(np.sum(reference.astype(np.float64) ** 2) / max(noise, 1e-20)))


class Judges:
    """Whisper base and DNSMOS, loaded once (DNSMOS's first call compiles librosa's kernels)."""

    def __init__(self) -> None:
        from bench.asr import Transcriber

        self.asr = Transcriber()

    def errors(self, audio: np.ndarray, rate: int, text: str, language: str) -> tuple[int, int, str]:
        from bench.asr import error_rate

        heard = self.asr.transcribe(audio, rate, language)
        return (*error_rate(text, heard, language), heard)

    @staticmethod
    def dnsmos(audio: np.ndarray, rate: int) -> dict[str, float]:
        import soxr
        from speechmos import dnsmos

        wave = np.clip(soxr.resample(audio.astype(np.float32), rate, 16000), -1.0, 1.0)
        scores = dnsmos.run(wave, 16000)
        return {"ovrl": float(scores["ovrl_mos"]), "sig": float(scores["sig_mos"]), "bak": float(scores["bak_mos"])}


def context_of(voices: Voices, target: Target, session: Any) -> int:
    """A vocoder's receptive field in frames, measured on `session` itself as a voice measures
    its own (int8 rounding can move the fringe: MB-MelGAN's reach is 21 frames in int8, 20 in
    float32, and windows with 20 left seams)."""
    if target.voice == "en-joe":
        latent, conditioning = voices.joe_latent(CALIBRATION["en-joe"][0])
        name = voices.joe._split.latent
        decode = lambda w: session.run(None, {name: w, **conditioning})[0]
        return receptive_field(decode, (1, latent.shape[1], 64), 2, voices.joe.hop)
    return receptive_field(lambda w: session.run(None, {"mels": w})[0], (1, 64, 80), 1, voices.baker.hop)


def speak(
    voices: Voices, target: Target, text: str, session: Any, context: int | None, fresh: bool = False
) -> np.ndarray:
    """The evaluation text's audio, as the pipeline makes it, with `session` standing in for the
    target model (a vocoder over its windows, `context` frames either side, or an acoustic model
    before the float32 vocoder's windows)."""
    if target.voice == "en-joe":
        joe = voices.joe
        phonemized = joe.phonemize(text)
        if target.windowed and fresh:  # the whole voice's cost: the prior drawn again
            latent, conditioning = whole_latent(joe, phonemized, voices.params)
        elif target.windowed:
            latent, conditioning = voices.joe_latent(text)
        else:  # the int8 prior (encoder, durations, noise), then the float32 flow over it
            prior, *rest = session.run(None, joe._feeds(phonemized, voices.params))
            conditioning = dict(zip(joe._split.conditioning, rest[:-1]))
            latent = joe.flow(prior, conditioning)
        name = joe._split.latent
        decode = (lambda w: session.run(None, {name: w, **conditioning})[0]) if target.windowed else (
            lambda w: joe.decode(w, conditioning))
        plan = joe.windows if context is None else dataclasses.replace(joe.windows, context=context)
        pieces = [a for a, _ in decode_windows(decode, latent, 2, joe.hop, plan)]
        return joe.level.apply(np.concatenate(pieces))
    baker = voices.baker
    if target.windowed:
        mel = voices.baker_mel(text)
        decode = lambda w: session.run(None, {"mels": w})[0]
    else:
        mel = session.run(["Identity_1"], voices.baker_acoustic_feeds(text))[0]
        decode = baker.vocode
    plan = baker.windows if context is None else dataclasses.replace(baker.windows, context=context)
    pieces = [a for a, _ in decode_windows(decode, mel, 1, baker.hop, plan)]
    return baker.level.apply(np.concatenate(pieces))


def voice_ratio(voices: Voices, target: Target, fp32: Any, int8: Any, rounds: int) -> dict[str, Any]:
    """The whole voice's CPU per evaluation text (phonemes, the float32 parts, the windows, the
    level) with the int8 model against the float32 one, alternating text by text; the median of
    `rounds` ratios of the sums. What a listener's second of audio costs, not one model's share."""
    contexts: dict[str, int | None] = {"fp32": None, "int8": None}
    if target.windowed:
        contexts = {"fp32": context_of(voices, target, fp32), "int8": context_of(voices, target, int8)}
    ratios: list[float] = []
    for r in range(rounds):
        spent = {"fp32": 0.0, "int8": 0.0}
        order = (("fp32", fp32), ("int8", int8)) if r % 2 == 0 else (("int8", int8), ("fp32", fp32))
        for text in EVALUATION[target.voice]:
            for name, session in order:
                start = time.process_time()
                speak(voices, target, text, session, contexts[name], fresh=True)
                spent[name] += time.process_time() - start
        ratios.append(spent["int8"] / spent["fp32"])
    return {"ratio": statistics.median(ratios), "ratios": [round(x, 3) for x in ratios], "contexts": contexts}


def quality(voices: Voices, judges: Judges, target: Target, sessions: dict[str, Any]) -> dict[str, Any]:
    """Per model variant (float32 first): SNR against float32, error rate, mean DNSMOS."""
    language = SENTENCES[target.voice][0]
    rate = voices.joe.info.sample_rate if target.voice == "en-joe" else voices.baker.info.sample_rate
    reference: list[np.ndarray] = []
    out: dict[str, Any] = {}
    for name, session in sessions.items():
        errors = length = 0
        snrs: list[float] = []
        mos: list[dict[str, float]] = []
        heard_all: list[str] = []
        context = context_of(voices, target, session) if target.windowed else None
        for i, text in enumerate(EVALUATION[target.voice]):
            audio = speak(voices, target, text, session, context)
            if name == "fp32":
                reference.append(audio)
            elif len(audio) == len(reference[i]) and not (target.voice == "en-joe" and not target.windowed):
                snrs.append(snr_db(reference[i], audio))  # (en-joe's text-to-latent part samples noise)
            e, n, heard = judges.errors(audio, rate, text, language)
            errors, length = errors + e, length + n
            heard_all.append(heard)
            mos.append(judges.dnsmos(audio, rate))
        row: dict[str, Any] = {
            "error_rate": errors / length, "errors": errors, "length": length,
            "unit": "CER" if language == "zh" else "WER",
            **{f"dnsmos_{k}": statistics.mean(m[k] for m in mos) for k in ("ovrl", "sig", "bak")},
            "heard": heard_all,
            "context_frames": context,
        }
        if name != "fp32":
            row["snr_db_median"] = statistics.median(snrs) if snrs else None
            row["snr_db_min"] = min(snrs) if snrs else None
            row["same_length"] = f"{len(snrs)}/{len(reference)}"
        out[name] = row
        print(f"{target.name}\t{name}\t{row['unit']} {row['error_rate']:.3f} DNSMOS ovrl {row['dnsmos_ovrl']:.3f} "
              f"sig {row['dnsmos_sig']:.3f} bak {row['dnsmos_bak']:.3f} SNR {row.get('snr_db_median')}", flush=True)
    return out


def cpu_flags() -> str:
    """The instruction sets int8 speed depends on: VNNI multiplies u8·s8 without saturating."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split("flags", 1)[1].split("\n", 1)[0].split())
    except (OSError, IndexError):
        return "unknown"
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return " ".join(f"{flag}={'yes' if flag in flags else 'no'}" for flag in wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--only", help="run only targets whose name contains this")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument(
        "--int8-prefixes",
        help="comma-separated node-name prefixes: adds a variant with only those nodes' Conv and MatMul int8",
    )
    parser.add_argument(
        "--float-prefixes",
        help="comma-separated node-name prefixes: adds a conv-only variant with those nodes float (quality too)",
    )
    args = parser.parse_args()
    global STATIC, QUALITY
    if args.float_prefixes:
        extra = QuantOptions(only_ops=("Conv", "ConvTranspose"), float_prefixes=tuple(args.float_prefixes.split(",")))
        STATIC, QUALITY = (*STATIC, extra), (*QUALITY, extra.name)
    if args.int8_prefixes:
        extra = QuantOptions(only_ops=("Conv", "MatMul"), int8_prefixes=tuple(args.int8_prefixes.split(",")))
        STATIC, QUALITY = (*STATIC, extra), (*QUALITY, extra.name)
    voices = Voices()
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "taskset -c 0 python -m bench.quantized " + " ".join(sys.argv[1:]),
        "machine": machine.describe(),
        "cpu_flags": cpu_flags(),
        "calibration_texts": CALIBRATION,
        "evaluation_texts": "bench/intelligibility.py SENTENCES",
        "rounds": args.rounds,
        "targets": {},
    }
    judges: Judges | None = None
    for target in targets(voices):
        if args.only and args.only not in target.name:
            continue
        fp32 = make_session(target.fp32, 1)
        rows: dict[str, Any] = {}
        variants: list[tuple[str, Callable[[], bytes]]] = [
            (o.name, lambda o=o, t=target: quantize_static_graph(t.fp32, t.calibration, o)) for o in STATIC
        ]
        variants.append(("dynamic-weights", lambda t=target: quantize_weights_graph(t.fp32)))
        faster: dict[str, Any] = {"fp32": fp32}
        for name, build in variants:
            start = time.perf_counter()
            try:
                int8 = make_session(build(), 1)
                built = time.perf_counter() - start
            except Exception as exc:  # noqa: BLE001 - a variant the quantiser or runtime refuses is a result
                rows[name] = {"error": repr(exc)[:300]}
                print(f"{target.name}\t{name}\tERROR {exc!r}"[:300], flush=True)
                continue
            try:
                timed = speed_ratio(fp32, int8, target.evaluation, args.rounds)
            except Exception as exc:  # noqa: BLE001 - a graph that fails on some input is a result
                rows[name] = {"error": "at run time: " + repr(exc)[:300]}
                print(f"{target.name}\t{name}\tERROR at run time {exc!r}"[:300], flush=True)
                continue
            row = {"build_s": round(built, 2), **timed}
            rows[name] = row
            if row["ratio"] < 1.0 and name in QUALITY:
                faster[name] = int8
            print(f"{target.name}\t{name}\tint8/fp32 CPU {row['ratio']:.3f} {row['ratios']}", flush=True)
        report["targets"][target.name] = {"speed": rows, "when": datetime.now(UTC).isoformat(timespec="seconds")}
        report["targets"][target.name]["voice_cpu_ratio"] = ratios = {}
        for name in QUALITY:
            if name in faster:
                ratios[name] = voice_ratio(voices, target, fp32, faster[name], args.rounds)
                print(f"{target.name}\t{name}\twhole voice int8/fp32 CPU {ratios[name]['ratio']:.3f}", flush=True)
        if not args.no_quality and len(faster) > 1:
            judges = judges or Judges()
            report["targets"][target.name]["quality"] = quality(voices, judges, target, faster)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
