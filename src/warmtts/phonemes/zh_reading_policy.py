"""Which source's reading to trust, as learned from labelled sentences (zh_policy_learning.py).

Each source is right in different places: g2pM on most polyphones, phrase dictionaries (and a
second model) where they agree against a hesitant g2pM, the function-word rules on some short
spoken patterns. A `ReadingPolicy` holds every choice the learning made: the strategy, which
voters count, how many must agree, the g2pM confidence below which they win, how far each
character's own record lets them win (`per_char`), and learned word readings. It only reads;
nothing here looks at labels.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from warmtts.phonemes.zh_evidence import Evidence

# "votes": voters agreeing against an unsure g2pM win; "rule+": a function-word rule, where one
# fires, first. "phrase" (pypinyin's phrase in the word wins below `phrase_below`) is the policy
# before issue 14, kept readable for the bench's ablation; the learning never picks it.
STRATEGIES = ("model", "votes", "rule+model", "rule+votes")
KNOWN = (*STRATEGIES, "phrase", "rule+phrase")
# How a character's own record on the training data limits the voters: "off" ignores it,
# "veto" stops them on a character where they were more often wrong than right, "require"
# lets them win only on a character where they were more often right (never on an unseen one).
PER_CHAR = ("off", "veto", "require")
PHRASE_VOTERS = ("pypinyin", "cedict")


@dataclass(frozen=True)
class ReadingPolicy:
    """The default is the policy before issue 14: rules, then pypinyin's phrase below 0.95.

    `char_record` maps a character to (times the voters were right, times g2pM was right) where
    they disagreed on the training data; `words` maps (jieba word, offset) to a reading.
    """

    phrase_below: float = 0.95
    vote_min: int = 2
    vote_below: float = 0.0
    strategy: str = "rule+phrase"
    voters: tuple[str, ...] = PHRASE_VOTERS
    per_char: str = "off"
    char_record: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    words: Mapping[tuple[str, int], str] = field(default_factory=dict)

    def read(self, ev: Evidence) -> str:
        """The reading of one character under this policy."""
        if self.words and (learned := self.words.get((ev.word, ev.offset))):
            return learned
        if (self.strategy.startswith("rule+") and ev.rule) or ev.guess is None:
            return ev.rule or ev.base
        guess = ev.guess
        if self.strategy.endswith("votes") and guess.confidence < self.vote_below:
            reading = self.vote(ev)
            if reading is not None and self.trusts(ev.char):
                return reading
        if self.strategy.endswith("phrase") and ev.phrase and guess.confidence < self.phrase_below:
            return ev.phrase
        return guess.syllable

    def vote(self, ev: Evidence) -> str | None:
        """The reading the counted voters give against g2pM, if at least `vote_min` agree on it
        and none sides with g2pM."""
        counts: dict[str, int] = {}
        for name, reading in ev.votes.items():
            if name in self.voters:
                counts[reading] = counts.get(reading, 0) + 1
        if ev.guess is None or counts.get(ev.guess.syllable):
            return None
        count, reading = max(((n, r) for r, n in counts.items()), default=(0, ""))
        return reading if count >= self.vote_min else None

    def trusts(self, char: str) -> bool:
        """Whether the voters may overrule g2pM on `char`, given its record."""
        if self.per_char == "off":
            return True
        right, wrong = self.char_record.get(char, (0, 0))
        return wrong <= right if self.per_char == "veto" else right > wrong

    def to_json(self) -> str:
        data = {
            "phrase_below": self.phrase_below,
            "vote_min": self.vote_min,
            "vote_below": self.vote_below,
            "strategy": self.strategy,
            "voters": list(self.voters),
            "per_char": self.per_char,
            "char_record": {c: list(r) for c, r in sorted(self.char_record.items())},
            "words": [[w, o, r] for (w, o), r in sorted(self.words.items())],
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ReadingPolicy:
        data = json.loads(text)
        policy = cls(
            float(data["phrase_below"]),
            int(data["vote_min"]),
            float(data["vote_below"]),
            str(data["strategy"]),
            tuple(data.get("voters", PHRASE_VOTERS)),
            str(data.get("per_char", "off")),
            {c: (int(r[0]), int(r[1])) for c, r in data.get("char_record", {}).items()},
            {(str(w), int(o)): str(r) for w, o, r in data.get("words", [])},
        )
        if policy.strategy not in KNOWN:
            raise ValueError(f"unknown strategy {policy.strategy!r}; known: {', '.join(KNOWN)}")
        if policy.per_char not in PER_CHAR:
            raise ValueError(f"unknown per_char {policy.per_char!r}; known: {', '.join(PER_CHAR)}")
        return policy

    @classmethod
    def load(cls, path: Path) -> ReadingPolicy:
        return cls.from_json(path.read_text(encoding="utf-8"))
