"""Chinese words and their pinyin: jieba segments, then each character is read by the strongest
source that knows it — the user lexicon, else the polyphone model (backed by pypinyin's phrase
dictionary where the model hesitates), else pypinyin.

jieba's dictionary has words that pypinyin's phrase dictionary lacks ("银行行长"); read
character by character they would lose their phrase context, so such a word is re-cut with
pypinyin's own phrase segmentation before it is read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import jieba
import jieba.posseg
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT
from pypinyin.seg.mmseg import seg as phrase_seg

from warmtts.phonemes.zh_function_words import function_word_reading
from warmtts.phonemes.zh_lexicon import lexicon_readings, load_lexicon
from warmtts.phonemes.zh_polyphone import PolyphoneModel, choose
from warmtts.phonemes.zh_sandhi import apply_sandhi
from warmtts.phonemes.zh_words import HAN_RUN, Word

__all__ = ["Word", "ZhG2P"]

log = logging.getLogger(__name__)
BUILTIN_LEXICON = Path(__file__).parent / "data" / "zh_lexicon.txt"


class ZhG2P:
    """Owns jieba's tokenizer and tagger, the polyphone model and the lexicon (our built-in
    entries, then the user's `lexicon`, which wins); `warm_up` builds jieba's prefix dictionary,
    which jieba does lazily on first use.

    One instance serves every worker thread: calls only read (jieba builds its dictionary under
    its own lock). Never add words to the tokenizer: the tagger would merge their tags into its
    table, unguarded, inside the next call.
    """

    def __init__(self, lexicon: Mapping[str, tuple[str, ...]] | None = None, cache_dir: Path | None = None) -> None:
        """`cache_dir` keeps jieba's prefix dictionary between starts (jieba's default, the
        temporary folder, is empty at each start of a container)."""
        self._tokenizer = jieba.Tokenizer()
        if cache_dir is not None and (_writable(cache_dir) or (cache_dir / "jieba.cache").is_file()):
            self._tokenizer.tmp_dir = str(cache_dir)  # a prepared, read-only one is read as it is
        self._tagger = jieba.posseg.POSTokenizer(self._tokenizer)
        self._polyphones = PolyphoneModel()
        self._lexicon = load_lexicon(BUILTIN_LEXICON) | dict(lexicon or {})

    def warm_up(self) -> None:
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer.initialize()
        self.words("银行行长说我们长大了。")

    def words(self, text: str, sandhi: bool = True) -> list[Word]:
        """Words of `text` with their pinyin; non-Han words carry no pinyin.

        Without `sandhi` every Han character has its citation syllable (CPP's labels); with it
        the tones are those spoken (third tone, 一, 不, neutral reduplication) and erhua is
        merged. Words carry jieba's part-of-speech tags, which the function-word rules, the
        sandhi and the prosody use.
        """
        tokens = self._tag(text)
        guesses = self._polyphones.guesses(text)
        fixed = lexicon_readings(text, self._lexicon)
        result: list[Word] = []
        start = 0
        for index, (token, pos) in enumerate(tokens):
            if not HAN_RUN.fullmatch(token):
                result.append(Word(token, (), False, pos))
                start += len(token)
                continue
            rule = function_word_reading(tokens, index) if len(token) == 1 else None
            syllables = []
            for offset, (base, phrase) in enumerate(self._dictionary_readings(token)):
                i = start + offset
                syllables.append(fixed.get(i) or rule or choose(guesses.get(i), phrase, base))
            result.append(Word(token, tuple(syllables), True, pos))
            start += len(token)
        return apply_sandhi(result, self.is_word) if sandhi else result

    def is_word(self, text: str) -> bool:
        """A word of jieba's or pypinyin's dictionary."""
        return self._tokenizer.FREQ.get(text, 0) > 0 or text in PHRASES_DICT

    def _tag(self, text: str) -> list[tuple[str, str]]:
        return [(pair.word, pair.flag) for pair in self._tagger.cut(text) if pair.word]

    def _dictionary_readings(self, word: str) -> list[tuple[str, str | None]]:
        """(pypinyin's reading, the reading of the dictionary phrase around it or None) per char."""
        parts = [word] if len(word) == 1 or word in PHRASES_DICT else list(phrase_seg.cut(word))
        syllables = lazy_pinyin(
            parts,
            style=Style.TONE3,
            neutral_tone_with_five=True,
            errors=lambda chars: ["" for _ in chars],
        )
        if len(syllables) != len(word):  # pypinyin never does this for Han input; be safe
            log.warning("pinyin length mismatch word=%s syllables=%s", word, syllables)
            syllables = (syllables + [""] * len(word))[: len(word)]
        in_phrase = [len(part) > 1 and part in PHRASES_DICT for part in parts for _ in part]
        return [(s, s if phrase else None) for s, phrase in zip(syllables, in_phrase)]


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)
