"""What each reading source says about one Han character, gathered before any is chosen.

Keeping the sources' answers apart (rather than letting the first that speaks win) lets the
reading policy be learned and measured on data: `bench.cpp_eval` collects these once per
sentence and fits the policy on some folds, then reads the held-out fold through the same code.
Each voter's reading is kept under its own name, so that which voters count is itself learned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from warmtts.phonemes.zh_polyphone import Guess


@dataclass(frozen=True)
class Evidence:
    """One Han character in its jieba word, with every source's reading of it.

    `base` is pypinyin's reading (always present, possibly ""), `phrase` the reading of the
    pypinyin dictionary phrase around it, `guess` g2pM's (polyphones only), `rule` a
    function-word rule's, each None when that source is silent; `votes` maps each voter that
    speaks (a phrase dictionary, zh_phrase_votes.py, or a second model) to its reading, for
    polyphones only. `offset` is the character's index in `word`.
    """

    char: str
    word: str
    base: str
    phrase: str | None
    guess: Guess | None
    rule: str | None
    votes: Mapping[str, str]
    offset: int = 0
