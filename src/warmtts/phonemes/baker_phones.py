"""Pinyin with prosody marks → the Baker phone set of the zh-baker model.

A syllable becomes an initial (^ for none) and a toned final, using the pinyin table that ships
with the model (baker_mapper.json), so the phones are exactly those it was trained on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from warmtts.phonemes.zh_prosody import ProsodicWord
from warmtts.text.source import Span

log = logging.getLogger(__name__)

# Syllabic nasals and interjections the table lacks, read as their nearest syllable.
_EXTRA = {"n": ("^", "en"), "ng": ("^", "en"), "m": ("m", "u"), "hm": ("h", "en"), "hng": ("h", "eng")}


class BakerPhonemizer:
    def __init__(self, pinyin_table: Mapping[str, Sequence[str]]) -> None:
        self._table = {k: (v[0], v[1]) for k, v in pinyin_table.items()} | _EXTRA

    def syllable(self, syllable: str) -> list[str]:
        """One tone-numbered syllable ('hang2', 'huar1') → Baker phones; [] if unreadable."""
        if len(syllable) < 2 or not syllable[-1].isdigit():
            return []
        base, tone = syllable[:-1], syllable[-1]
        erhua = base not in self._table and base.endswith("r") and base[:-1] in self._table
        if erhua:
            base = base[:-1]
        if base not in self._table:
            log.warning("no Baker phones for syllable=%s", syllable)
            return []
        initial, final = self._table[base]
        return [initial, final + tone] + (["er5"] if erhua else [])

    def phones(self, words: Sequence[ProsodicWord]) -> list[str]:
        """Phones for one sentence or clause: sil, syllables joined by #0, marks, sil."""
        return [phone for phone, _ in self.located(words, "")]

    def located(self, words: Sequence[ProsodicWord], text: str) -> list[tuple[str, Span | None]]:
        """The phones, each with the characters of `text` it speaks (None for sil and marks).
        `text` is what the words were read from; an erhua syllable speaks its 儿 too."""
        result: list[tuple[str, Span | None]] = [("sil", None)]
        at = 0
        for word in words:
            found = text.find(word.text, at) if text else -1
            places = _syllable_places(word, found) if found >= 0 else [None] * len(word.pinyin)
            at = found + len(word.text) if found >= 0 else at
            syllables = [(p, place) for s, place in zip(word.pinyin, places) if (p := self.syllable(s))]
            for i, (phones, place) in enumerate(syllables):
                if i:
                    result.append(("#0", None))
                result.extend((phone, place) for phone in phones)
            if syllables:
                result.append((word.mark, None))
        while result[-1][0].startswith("#"):
            result.pop()
        result.append(("sil", None))
        return result


def _syllable_places(word: ProsodicWord, start: int) -> list[Span | None]:
    """Where each syllable of `word` stands in the text, the word starting at `start`: one
    character each, and an erhua syllable (wanr2) its character and the 儿 after it."""
    places: list[Span | None] = []
    merged = len(word.pinyin) < len(word.text)
    i = start
    for syllable in word.pinyin:
        base = syllable[:-1]
        erhua = merged and base.endswith("r") and base != "er" and word.text[i - start + 1 : i - start + 2] == "儿"
        size = 2 if erhua else 1
        places.append((i, i + size))
        i += size
    return places
