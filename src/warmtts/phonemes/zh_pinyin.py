"""Chinese words and their pinyin: jieba segments, pypinyin's phrase dictionary reads.

jieba's dictionary has words that pypinyin's phrase dictionary lacks ("银行行长"); read
character by character they would lose their polyphone context, so such a word is re-cut
with pypinyin's own phrase segmentation before it is read.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import jieba
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT
from pypinyin.seg.mmseg import seg as phrase_seg

log = logging.getLogger(__name__)

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words whose final 儿 is a syllable of its own, not the erhua suffix.
_REAL_ER = frozenset(
    "女儿 儿女 婴儿 孤儿 幼儿 健儿 宠儿 胎儿 患儿 男儿 少儿 新生儿 混血儿 弃儿 孩儿 乳儿 "
    "孙儿 侄儿 小儿 育儿 托儿 犬儿 花样男儿 幸运儿 弄潮儿 宁馨儿 低能儿 私生儿".split()
)


@dataclass(frozen=True)
class Word:
    """A jieba word; `pinyin` holds one tone-numbered syllable per character (erhua merged)."""

    text: str
    pinyin: tuple[str, ...]
    is_han: bool


class ZhG2P:
    """Owns a jieba tokenizer; `warm_up` builds its prefix dictionary, which jieba does lazily."""

    def __init__(self) -> None:
        self._tokenizer = jieba.Tokenizer()

    def warm_up(self) -> None:
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer.initialize()
        self.words("银行行长说我们长大了。")

    def cut(self, text: str) -> list[str]:
        return [w for w in self._tokenizer.cut(text) if w]

    def words(self, text: str, sandhi: bool = True) -> list[Word]:
        """Words of `text` with their pinyin; non-Han words carry no pinyin."""
        result: list[Word] = []
        for token in self.cut(text):
            if not _HAN_RUN.fullmatch(token):
                result.append(Word(token, (), False))
                continue
            result.append(Word(token, tuple(self._read(token, sandhi)), True))
        return result

    def _read(self, word: str, sandhi: bool) -> list[str]:
        parts = [word] if len(word) == 1 or word in PHRASES_DICT else list(phrase_seg.cut(word))
        syllables = lazy_pinyin(
            parts,
            style=Style.TONE3,
            neutral_tone_with_five=True,
            tone_sandhi=sandhi,
            errors=lambda chars: ["" for _ in chars],
        )
        if len(syllables) != len(word):  # pypinyin never does this for Han input; be safe
            log.warning("pinyin length mismatch word=%s syllables=%s", word, syllables)
            syllables = (syllables + [""] * len(word))[: len(word)]
        return _merge_erhua(word, syllables)


def _merge_erhua(word: str, syllables: list[str]) -> list[str]:
    """玩儿 wan2 er2 → wanr2 (one syllable), unless 儿 is a syllable of its own (女儿)."""
    if len(word) < 2 or not word.endswith("儿") or word in _REAL_ER:
        return syllables
    prev = syllables[-2]
    if not prev or prev[:-1].endswith("r"):  # already erhua, or 儿儿
        return syllables
    return syllables[:-2] + [prev[:-1] + "r" + prev[-1]]
