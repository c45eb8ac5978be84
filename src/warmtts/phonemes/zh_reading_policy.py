"""Which source's reading to trust, per character: learned from labelled sentences, not tuned.

Each source is right in different places: g2pM on most polyphones, phrase dictionaries where
they agree against a hesitant g2pM, the function-word rules on some short spoken patterns. A
`ReadingPolicy` holds global thresholds, a strategy per character (where the training data shows
one that beats the default), and readings of (word, character) pairs seen often and always
alike. `learn` fits it on labelled `Evidence`; `bench.cpp_eval` fits one on K-1 folds of CPP and
scores the held-out fold, and writes the shipped one (data/zh_reading_policy.json) from them all.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from warmtts.phonemes.zh_evidence import Evidence

# "votes": phrase dictionaries agreeing against g2pM win; "phrase": the reading of pypinyin's
# phrase around the character wins when g2pM is unsure; "rule+": a function-word rule first.
STRATEGIES = ("model", "phrase", "votes", "rule+model", "rule+phrase", "rule+votes")
PHRASE_BELOW = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 1.01)
VOTE_MIN = (1, 2)
VOTE_BELOW = (0.9, 0.99, 0.999, 0.9999, 0.99999, 1.01)

Labelled = tuple[Evidence, str]


@dataclass(frozen=True)
class LearnOptions:
    """How much evidence a choice needs before it departs from the global default."""

    min_char_count: int = 12  # a character's own strategy needs this many labelled examples
    min_char_gain: int = 2  # ... and must read this many more right than the default
    min_word_count: int = 3  # a (word, character) reading needs this many examples
    min_word_gain: int = 1  # ... all alike, this many more right than the strategy


@dataclass(frozen=True)
class ReadingPolicy:
    phrase_below: float = 0.95
    vote_min: int = 2
    vote_below: float = 0.0  # votes never win unless learned
    default: str = "rule+phrase"
    char_strategy: Mapping[str, str] = field(default_factory=dict)
    word_readings: Mapping[tuple[str, int], str] = field(default_factory=dict)

    def read(self, ev: Evidence) -> str:
        """The reading of one character under this policy."""
        if ev.guess is None:
            return ev.rule or ev.base
        learned = self.word_readings.get((ev.word, ev.offset))
        if learned is not None:
            return learned
        return self.strategy_reading(self.char_strategy.get(ev.char, self.default), ev)

    def strategy_reading(self, strategy: str, ev: Evidence) -> str:
        if strategy.startswith("rule+") and ev.rule:
            return ev.rule
        guess = ev.guess
        if guess is None:
            return ev.base
        if strategy.endswith("votes") and guess.confidence < self.vote_below and not ev.votes.get(guess.syllable):
            count, reading = max(((n, r) for r, n in ev.votes.items()), default=(0, ""))
            if count >= self.vote_min:
                return reading
        if strategy.endswith(("phrase", "votes")) and ev.phrase and guess.confidence < self.phrase_below:
            return ev.phrase
        return guess.syllable

    def to_json(self) -> str:
        data = {
            "phrase_below": self.phrase_below,
            "vote_min": self.vote_min,
            "vote_below": self.vote_below,
            "default": self.default,
            "char_strategy": dict(sorted(self.char_strategy.items())),
            "word_readings": [[w, o, r] for (w, o), r in sorted(self.word_readings.items())],
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ReadingPolicy:
        data = json.loads(text)
        return cls(
            float(data["phrase_below"]),
            int(data["vote_min"]),
            float(data["vote_below"]),
            str(data["default"]),
            {str(c): str(s) for c, s in data["char_strategy"].items()},
            {(str(w), int(o)): str(r) for w, o, r in data["word_readings"]},
        )

    @classmethod
    def load(cls, path: Path) -> ReadingPolicy:
        return cls.from_json(path.read_text(encoding="utf-8"))


def learn(examples: Iterable[Labelled], options: LearnOptions = LearnOptions()) -> ReadingPolicy:
    """The policy that reads the most `examples` right, departing from its global default only
    as far as `options` allow. Only characters g2pM treats as polyphones are learned."""
    data = [(ev, label) for ev, label in examples if ev.guess is not None]
    grid = [
        ReadingPolicy(phrase, vote_min, vote_below, strategy)
        for phrase, vote_min, vote_below, strategy in itertools.product(PHRASE_BELOW, VOTE_MIN, VOTE_BELOW, STRATEGIES)
    ]
    base = max(grid, key=lambda p: _correct(data, p.read))  # ties: the earliest, most cautious
    strategies = _char_strategies(base, data, options)
    chars = replace(base, char_strategy=strategies)
    return replace(chars, word_readings=_word_readings(chars, data, options))


def _char_strategies(base: ReadingPolicy, data: list[Labelled], options: LearnOptions) -> dict[str, str]:
    by_char: dict[str, list[Labelled]] = defaultdict(list)
    for ev, label in data:
        by_char[ev.char].append((ev, label))
    strategies: dict[str, str] = {}
    for char, rows in by_char.items():
        if len(rows) < options.min_char_count:
            continue
        scores = {s: _correct(rows, lambda ev, s=s: base.strategy_reading(s, ev)) for s in STRATEGIES}
        best = max(STRATEGIES, key=lambda s: (scores[s], s == base.default))
        if scores[best] - scores[base.default] >= options.min_char_gain:
            strategies[char] = best
    return strategies


def _word_readings(policy: ReadingPolicy, data: list[Labelled], options: LearnOptions) -> dict[tuple[str, int], str]:
    by_word: dict[tuple[str, int], list[Labelled]] = defaultdict(list)
    for ev, label in data:
        if len(ev.word) > 1:
            by_word[(ev.word, ev.offset)].append((ev, label))
    words: dict[tuple[str, int], str] = {}
    for key, rows in by_word.items():
        if len(rows) < options.min_word_count:
            continue
        reading, count = Counter(label for _, label in rows).most_common(1)[0]
        if count == len(rows) and count - _correct(rows, policy.read) >= options.min_word_gain:
            words[key] = reading
    return words


def _correct(rows: Iterable[Labelled], read: Callable[[Evidence], str]) -> int:
    return sum(read(ev) == label for ev, label in rows)
