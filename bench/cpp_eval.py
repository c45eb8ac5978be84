"""Polyphone accuracy on the CPP dev split, read through the same code as `warmtts pinyin`.

    python -m bench.cpp_eval [--data ../shared/data/cpp] [--every 1] [--errors 20]

Each sentence's marked character is looked up among the citation syllables that
`warmtts pinyin` prints for the sentence (one per Han character), and compared with the label. CPP writes ü as `u:` (nu:3, lu:4); we write it as v (nv3), as
`warmtts pinyin` promises, so labels are compared in that spelling.
"""

from __future__ import annotations

import argparse
import collections
import time
from dataclasses import dataclass
from pathlib import Path

from warmtts.phonemes.pinyin_cli import han_syllables
from warmtts.phonemes.zh_pinyin import ZhG2P
from warmtts.phonemes.zh_words import HAN

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cpp"
MARK = "▁"


@dataclass(frozen=True)
class Result:
    correct: int
    total: int
    errors: list[tuple[str, str, str]]  # (sentence, label, ours)
    seconds: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def evaluate(g2p: ZhG2P, folder: Path, every: int = 1) -> Result:
    sentences = (folder / "dev.sent").read_text(encoding="utf-8").splitlines()
    labels = (folder / "dev.lb").read_text(encoding="utf-8").splitlines()
    correct = 0
    errors: list[tuple[str, str, str]] = []
    start = time.perf_counter()
    pairs = list(zip(sentences, labels))[::every]
    for marked, raw_label in pairs:
        label = raw_label.replace("u:", "v")
        text = marked.replace(MARK, "")
        target = len(HAN.findall(marked[: marked.index(MARK)]))
        syllables = han_syllables(g2p, text)
        ours = syllables[target] if target < len(syllables) else ""
        if ours == label:
            correct += 1
        else:
            errors.append((marked, label, ours))
    return Result(correct, len(pairs), errors, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--every", type=int, default=1, help="evaluate every Nth sentence")
    parser.add_argument("--errors", type=int, default=0, help="print this many errors and the commonest characters")
    args = parser.parse_args()
    g2p = ZhG2P()
    g2p.warm_up()
    result = evaluate(g2p, args.data, args.every)
    for marked, label, ours in result.errors[: args.errors]:
        print(f"{label}\t{ours}\t{marked}")
    if args.errors:
        chars = collections.Counter(m[m.index(MARK) + 1] for m, _, _ in result.errors)
        print("commonest errors:", " ".join(f"{c}:{n}" for c, n in chars.most_common(20)))
    print(
        f"CPP dev accuracy {result.accuracy:.2%} ({result.correct}/{result.total}) "
        f"ms_per_sentence={1000 * result.seconds / max(1, result.total):.2f}"
    )


if __name__ == "__main__":
    main()
