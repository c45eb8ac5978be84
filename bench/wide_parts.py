"""Which parts of a voice should widen for a lone stream: first audio and the whole answer's wall
time, in process, with wide sessions on different sets of parts, side by side.

    python -m bench.wide_parts [--rounds 5] [--wide-threads 2]

One process loads en-joe once per set of parts given a wide session (`decoder`; `flow,decoder`;
`encoder,flow,decoder`, `encoder` being the prior) and zh-baker once per set (`mb_melgan`;
`fastspeech2,mb_melgan`), every call allowed to widen, as the server allows a lone stream. Each
round speaks every text once with every variant in turn (alternating, so a busy moment of a shared
machine falls on all of them), after one warm answer each. Reported: the median over rounds of
the time to the first chunk and to the last, per text and variant, and each against the first
variant. The voice's own stages only (no text normalisation, no encoding).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.texts import EN_LONG, EN_SENTENCE, EN_SHORT, ZH_SENTENCE

EN_SETS = ("decoder", "flow,decoder", "encoder,flow,decoder")
ZH_SETS = ("mb_melgan", "fastspeech2,mb_melgan")


def _runtime(wide: set[str], wide_threads: int) -> Any:
    """A Runtime whose `load` gives a wide session only to the parts named in `wide` (a part's
    name: the file's stem, or the VITS part's middle word)."""
    from warmtts.voices.model_cache import ModelCache
    from warmtts.voices.onnx_session import Runtime

    class Chosen(Runtime):
        def load(self, model: Path, part: str | None = None, prepare: Callable[[], bytes] | None = None,
                 wide: bool = False) -> Any:
            name = part.split("-")[1] if part else model.stem
            return super().load(model, part, prepare, wide=name in chosen)

    chosen = wide
    from warmtts.config import Settings

    return Chosen(threads=1, wide_threads=wide_threads, may_widen=lambda: True,
                  cache=ModelCache(Settings().cache_folder("onnx")))


def _timed(speak: Callable[[], Iterator[Any]]) -> tuple[float, float]:
    start = time.perf_counter()
    first = None
    for _ in speak():
        if first is None:
            first = time.perf_counter() - start
    return first or 0.0, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wide_parts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--wide-threads", type=int, default=2)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from warmtts.config import Settings
    from warmtts.phonemes.zh_lexicon import load_lexicon
    from warmtts.phonemes.zh_pinyin import ZhG2P
    from warmtts.voices.baker import BakerVoice
    from warmtts.voices.params import SynthesisParams
    from warmtts.voices.registry import load_en_joe

    settings = Settings()
    g2p = ZhG2P(load_lexicon(settings.lexicon_path), cache_dir=settings.cache_folder("text"))
    variants: dict[str, Any] = {}
    for parts in EN_SETS:
        variants[f"en-joe wide {parts}"] = load_en_joe(_runtime(set(parts.split(",")), args.wide_threads))
    for parts in ZH_SETS:
        variants[f"zh-baker wide {parts}"] = BakerVoice(g2p, _runtime(set(parts.split(",")), args.wide_threads))
    texts = {"en-short": EN_SHORT, "en-sentence": EN_SENTENCE, "en-long": EN_LONG, "zh-sentence": ZH_SENTENCE}
    params = SynthesisParams()
    jobs = []
    for label, text in texts.items():
        names = [n for n in variants if n.startswith("zh" if label.startswith("zh") else "en")]
        phonemized = {n: variants[n].phonemize(text) for n in names}
        jobs.append((label, names, phonemized))
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for round_no in range(args.rounds + 1):  # round 0 warms each variant
        for label, names, phonemized in jobs:
            for name in names:
                voice = variants[name]
                timing = _timed(lambda v=voice, p=phonemized[name]: v.synthesize(p, params))
                if round_no:
                    results.setdefault((label, name), []).append(timing)
    for label, names, _ in jobs:
        base = None
        for name in names:
            first = statistics.median(t[0] for t in results[(label, name)])
            whole = statistics.median(t[1] for t in results[(label, name)])
            base = base or (first, whole)
            print(f"{label:12s} {name:40s} first {first * 1000:6.1f} ms ({first / base[0]:.2f}x)  "
                  f"whole {whole * 1000:7.1f} ms ({whole / base[1]:.2f}x)")


if __name__ == "__main__":
    main()
