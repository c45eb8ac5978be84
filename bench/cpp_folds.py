"""The CPP dev split as labelled examples, and its fixed division into K folds.

Every figure `bench.cpp_eval` reports is on a fold that no choice of the policy it scores saw
(the policy's configuration is chosen by an inner split of the other folds);
the division is seeded so that a fold is the same sentences on every machine and every run
(tests/bench/test_cpp_folds.py guards it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warmtts.phonemes.zh_policy_learning import deal
from warmtts.phonemes.zh_words import HAN

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cpp"
MARK = "▁"
FOLDS = 5
SEED = 14


@dataclass(frozen=True)
class Example:
    """One CPP sentence: its text without marks, the marked character's index in the text and
    among the Han characters, and its label (ü written v, as `warmtts pinyin` writes it)."""

    text: str
    index: int
    han_index: int
    label: str


def parse(marked: str, label: str) -> Example:
    start = marked.index(MARK)
    text = marked.replace(MARK, "")
    return Example(text, start, len(HAN.findall(marked[:start])), label.strip().replace("u:", "v"))


def load(folder: Path) -> list[Example]:
    sentences = (folder / "dev.sent").read_text(encoding="utf-8").splitlines()
    labels = (folder / "dev.lb").read_text(encoding="utf-8").splitlines()
    if len(sentences) != len(labels):
        raise ValueError(f"{folder}: {len(sentences)} sentences but {len(labels)} labels")
    return [parse(s, lb) for s, lb in zip(sentences, labels)]


def folds(count: int, k: int = FOLDS, seed: int = SEED) -> list[list[int]]:
    """`k` disjoint sorted lists of indices into `count` examples, together all of them, sizes
    differing by at most one: a seeded shuffle dealt round-robin (the inner split of
    zh_policy_learning deals the same way)."""
    return deal(count, k, seed)
