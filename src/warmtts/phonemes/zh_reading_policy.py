"""Which source's reading to trust: learned from labelled sentences, not tuned by hand.

Each source is right in different places: g2pM on most polyphones, phrase dictionaries where
they agree against a hesitant g2pM, the function-word rules on some short spoken patterns. A
`ReadingPolicy` is a strategy and the g2pM confidence below which the dictionaries win; `learn`
picks the one that reads the most labelled `Evidence` right. `bench.cpp_eval` learns one on K-1
folds of CPP and scores the held-out fold, and writes the shipped one
(data/zh_reading_policy.json) from them all.

Per-character strategies and per-word readings learned the same way were tried and dropped:
on every held-out fold they changed nothing (bench/results/cpp_eval.json, issue 14).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from warmtts.phonemes.zh_evidence import Evidence

# "votes": phrase dictionaries agreeing against an unsure g2pM win; "rule+": a function-word
# rule, where one fires, first. "phrase" (pypinyin's phrase in the word wins below
# `phrase_below`) is the policy before issue 14; beside the votes it lost on held-out folds
# (97.83 % with it, 97.89 % without), so the learned grid leaves it out.
STRATEGIES = ("model", "votes", "rule+model", "rule+votes")
KNOWN = (*STRATEGIES, "phrase", "rule+phrase")
VOTE_MIN = (1, 2)
VOTE_BELOW = (0.9, 0.99, 0.999, 0.9999, 0.99999, 1.01)

Labelled = tuple[Evidence, str]


@dataclass(frozen=True)
class ReadingPolicy:
    """The default is the policy before issue 14: rules, then pypinyin's phrase below 0.95."""

    phrase_below: float = 0.95
    vote_min: int = 2
    vote_below: float = 0.0
    strategy: str = "rule+phrase"

    def read(self, ev: Evidence) -> str:
        """The reading of one character under this policy."""
        if (self.strategy.startswith("rule+") and ev.rule) or ev.guess is None:
            return ev.rule or ev.base
        guess = ev.guess
        if self.strategy.endswith("votes") and guess.confidence < self.vote_below and not ev.votes.get(guess.syllable):
            count, reading = max(((n, r) for r, n in ev.votes.items()), default=(0, ""))
            if count >= self.vote_min:
                return reading
        if self.strategy.endswith("phrase") and ev.phrase and guess.confidence < self.phrase_below:
            return ev.phrase
        return guess.syllable

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ReadingPolicy:
        data = json.loads(text)
        policy = cls(float(data["phrase_below"]), int(data["vote_min"]), float(data["vote_below"]), str(data["strategy"]))
        if policy.strategy not in KNOWN:
            raise ValueError(f"unknown strategy {policy.strategy!r}; known: {', '.join(KNOWN)}")
        return policy

    @classmethod
    def load(cls, path: Path) -> ReadingPolicy:
        return cls.from_json(path.read_text(encoding="utf-8"))


def learn(examples: Iterable[Labelled]) -> ReadingPolicy:
    """The policy of the grid that reads the most `examples` right; ties go to the earliest
    (fewer votes needed, but a lower threshold: the dictionaries overrule g2pM less often)."""
    data = [(ev, label) for ev, label in examples if ev.guess is not None]
    grid = [ReadingPolicy(0.0, *point) for point in itertools.product(VOTE_MIN, VOTE_BELOW, STRATEGIES)]
    return max(grid, key=lambda policy: sum(policy.read(ev) == label for ev, label in data))
