"""Pinyin with prosody marks → the Baker phone set of the zh-baker model.

A syllable becomes an initial (^ for none) and a toned final, using the pinyin table that ships
with the model (baker_mapper.json), so the phones are exactly those it was trained on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from warmtts.phonemes.zh_prosody import ProsodicWord

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
        result = ["sil"]
        for word in words:
            syllables = [p for s in word.pinyin if (p := self.syllable(s))]
            for i, phones in enumerate(syllables):
                if i:
                    result.append("#0")
                result.extend(phones)
            if syllables:
                result.append(word.mark)
        while result[-1].startswith("#"):
            result.pop()
        result.append("sil")
        return result
