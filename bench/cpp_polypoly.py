"""polypoly (a second BiLSTM polyphone tagger) as one more voter, on the same nested CPP folds.

    tools/convert_polypoly.sh /tmp/polypoly.onnx
    python -m bench.cpp_polypoly --model /tmp/polypoly.onnx [--data ../shared/data/cpp]

For each sentence the converted model reads the whole sentence once; its vote for the marked
character is its most probable tag among that character's (it tags 147 frequent polyphones).
The nested evaluation of bench.cpp_eval is then run twice in one process, with and without
polypoly among the voters the inner split may choose, and once with it forced in beside both
phrase dictionaries (refitted on each outer training part). warmtts does not ship polypoly:
its voter did not raise the outer-fold figure (README, polyphones).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnxruntime as ort

from bench.cpp_eval import BASELINE, collect, learn_per_fold
from bench.cpp_folds import DEFAULT_DATA, FOLDS, SEED, Example, folds, load
from warmtts.phonemes.zh_evidence import Evidence
from warmtts.phonemes.zh_pinyin import ZhG2P
from warmtts.phonemes.zh_policy_learning import Config, Labelled, correct, fit
from warmtts.phonemes.zh_reading_policy import PHRASE_VOTERS

RESULTS = Path(__file__).resolve().parent / "results" / "cpp_polypoly.json"


class Polypoly:
    """The converted tagger: character ids in, tag logits out (tools/convert_polypoly.py)."""

    def __init__(self, path: Path) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        meta = self._session.get_modelmeta().custom_metadata_map
        self._index = {c: i for i, c in enumerate(json.loads(meta["vocab"]))}
        self._tags: dict[str, list[tuple[int, str]]] = {}
        for k, tag in enumerate(json.loads(meta["tags"])):
            if "|" in tag:
                char, reading = tag.split("|")
                self._tags.setdefault(char, []).append((k, reading))

    def covers(self, char: str) -> bool:
        return char in self._tags

    def reading(self, text: str, index: int) -> str:
        unknown = self._index["<unk>"]
        ids = np.array([self._index.get(c, unknown) for c in text], np.int64)
        logits = self._session.run(None, {"ids": ids})[0][index]
        candidates = self._tags[text[index]]
        return max(candidates, key=lambda kv: logits[kv[0]])[1]


def with_votes(model: Polypoly, examples: list[Example], evidence: list[Evidence]) -> tuple[list[Evidence], list[float]]:
    """The evidence with polypoly's vote added where g2pM guesses and polypoly covers the
    character, and the milliseconds each call took."""
    result, times = [], []
    for example, ev in zip(examples, evidence):
        if ev.guess is None or not model.covers(ev.char):
            result.append(ev)
            continue
        start = time.perf_counter()
        reading = model.reading(example.text, example.index)
        times.append(1000 * (time.perf_counter() - start))
        result.append(replace(ev, votes={**ev.votes, "polypoly": reading}))
    return result, times


def nested_percent(labelled: list[Labelled], split: list[list[int]]) -> tuple[float, list[str]]:
    learned = learn_per_fold(labelled, split)
    right = sum(correct(ln.policy, (labelled[i] for i in held)) for ln, held in zip(learned, split))
    return 100 * right / len(labelled), [str(ln.config) for ln in learned]


def forced_percent(labelled: list[Labelled], split: list[list[int]], config: Config) -> float:
    right = 0
    for held in split:
        held_set = set(held)
        policy = fit([pair for i, pair in enumerate(labelled) if i not in held_set], config)
        right += correct(policy, (labelled[i] for i in held))
    return 100 * right / len(labelled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="ONNX written by tools/convert_polypoly.sh")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    examples = load(args.data)
    split = folds(len(examples), FOLDS, SEED)
    collector = ZhG2P(policy=BASELINE, builtin_lexicon=False)
    collector.warm_up()
    evidence = collect(collector, examples)
    model = Polypoly(args.model)
    voted, times = with_votes(model, examples, evidence)
    labels = [e.label for e in examples]
    plain = list(zip(evidence, labels))
    extended = list(zip(voted, labels))
    covered = [(ev, label) for ev, label in extended if "polypoly" in ev.votes]
    data = {
        "sentences": len(examples),
        "polypoly_votes": len(covered),
        "polypoly_right_of_votes": sum(ev.votes["polypoly"] == label for ev, label in covered),
        "g2pm_right_of_those": sum(ev.guess is not None and ev.guess.syllable == label for ev, label in covered),
        "polypoly_ms_per_sentence_median": round(statistics.median(times), 3),
    }
    for name, labelled in (("nested_without_polypoly", plain), ("nested_with_polypoly_offered", extended)):
        percent, configs = nested_percent(labelled, split)
        data[name] = {"percent": round(percent, 3), "configs": configs}
    data["forced_phrase_voters_and_polypoly"] = round(forced_percent(extended, split, Config((*PHRASE_VOTERS, "polypoly"))), 3)
    data["forced_phrase_voters"] = round(forced_percent(extended, split, Config(PHRASE_VOTERS)), 3)
    print(json.dumps(data, ensure_ascii=False, indent=1))
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
