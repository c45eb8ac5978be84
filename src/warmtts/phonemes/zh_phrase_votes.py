"""Which reading each phrase dictionary gives a character in its jieba word.

A dictionary votes for a reading when every phrase of it (2-4 characters) that covers the
character inside its word reads it the same way; one that covers it with different readings,
or not at all, abstains. Phrases across word boundaries do not count: in 一切/都/会 jieba has
already judged 都会 (du1 hui4, "metropolis") not to be a word; counting it would cost
0.03 points on held-out CPP folds and misread a common spoken phrase. The dictionaries are pypinyin's phrases (phrase-pinyin-data, MIT) and
CC-CEDICT's (CC BY-SA 4.0, shipped by the pypinyin-dict package, MIT; read at start-up, not
copied here). On the CPP dev split, where both agree against g2pM and its confidence is below
0.9999, they are right 69 times and g2pM 15 (of 85); above it g2pM wins 23 to 8. How far to
trust them, and which of them count, is learned on nested folds (zh_policy_learning.py).
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from pypinyin.constants import PHRASES_DICT
from pypinyin.contrib.tone_convert import to_tone3

log = logging.getLogger(__name__)
LONGEST = 4
CEDICT_PACKAGE = "pypinyin_dict.phrase_pinyin_data"
# One entry per line in pypinyin-dict's generated modules: '阿城': [['ā'], ['chéng']],
_ENTRY = re.compile(r"^\s*'([^']+)': \[(.*)\],\s*$")
_FIRST_READING = re.compile(r"\[\s*'([^']*)'")


@lru_cache(maxsize=4096)
def _tone3(syllable: str) -> str:
    return to_tone3(syllable, neutral_tone_with_five=True).replace("ü", "v")


def parse_cedict(lines: Iterator[str], polyphones: Collection[str]) -> dict[str, str]:
    """Phrase → its first readings, space-separated, for the 2-4 character phrases that hold a
    polyphone (the only ones that can vote). Read as text rather than imported: importing the
    modules builds 100 MB of nested lists, and freeing them leaves the heap fragmented."""
    table: dict[str, str] = {}
    for line in lines:
        match = _ENTRY.match(line)
        if match is None:
            continue
        phrase, body = match.groups()
        if 2 <= len(phrase) <= LONGEST and any(c in polyphones for c in phrase):
            readings = _FIRST_READING.findall(body)
            if len(readings) == len(phrase):
                table[phrase] = " ".join(readings)
    return table


def cedict_lines() -> Iterator[str]:
    spec = importlib.util.find_spec(CEDICT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{CEDICT_PACKAGE} (pip install pypinyin-dict)")
    for path in sorted(Path(next(iter(spec.submodule_search_locations))).glob("cc_cedict_*.py")):
        with path.open(encoding="utf-8") as lines:
            yield from lines


class PhraseVotes:
    """Owns the CC-CEDICT table; read-only after construction, so threads may share it."""

    def __init__(self, cedict: Mapping[str, str], phrases: Mapping[str, list[list[str]]] = PHRASES_DICT) -> None:
        self._cedict = cedict
        self._phrases = phrases
        self._lookups: dict[str, Callable[[str, int], str | None]] = {
            "pypinyin": self._pypinyin_reading,
            "cedict": self._cedict_reading,
        }

    @classmethod
    def builtin(cls, polyphones: Collection[str]) -> PhraseVotes:
        cedict = parse_cedict(cedict_lines(), polyphones)
        if not cedict:
            raise ValueError(f"no CC-CEDICT phrases found in {CEDICT_PACKAGE}")
        log.debug("phrase votes cedict_phrases=%d", len(cedict))
        return cls(cedict)

    def votes(self, text: str, i: int) -> dict[str, str]:
        """Dictionary name → its reading of the character text[i] of a word `text`, for the
        dictionaries that vote."""
        result: dict[str, str] = {}
        for name, lookup in self._lookups.items():
            seen = {
                reading
                for size in range(2, LONGEST + 1)
                for start in range(max(0, i - size + 1), min(i, len(text) - size) + 1)
                if (reading := lookup(text[start : start + size], i - start)) is not None
            }
            if len(seen) == 1:
                result[name] = seen.pop()
        return result

    def _pypinyin_reading(self, phrase: str, offset: int) -> str | None:
        readings = self._phrases.get(phrase)
        return _tone3(readings[offset][0]) if readings and len(readings) == len(phrase) else None

    def _cedict_reading(self, phrase: str, offset: int) -> str | None:
        """CC-CEDICT spells the erhua suffix (女孩儿 nǚ hái r) without a tone: that marks the
        suffix, not a citation reading (CPP and pypinyin read it er2, and the sandhi merges
        it), so on it the dictionary abstains."""
        readings = self._cedict.get(phrase)
        if not readings:
            return None
        syllable = readings.split(" ")[offset]
        return None if phrase[offset] == "儿" and syllable in ("er", "r") else _tone3(syllable)
