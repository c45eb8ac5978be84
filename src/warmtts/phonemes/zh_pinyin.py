"""Chinese words and their pinyin: jieba segments and tags, every source reads each character
(zh_evidence.py), and the lexicon (ours, then the user's) or else the reading policy learned on
CPP folds (zh_reading_policy.py) decides between g2pM, phrase dictionaries, rules and pypinyin.

jieba's dictionary has words that pypinyin's phrase dictionary lacks ("银行行长"); read
character by character they would lose their phrase context, so such a word is re-cut with
pypinyin's own phrase segmentation before it is read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT
from pypinyin.seg.mmseg import seg as phrase_seg

from warmtts.phonemes.zh_evidence import Evidence
from warmtts.phonemes.zh_function_words import function_word_reading
from warmtts.phonemes.zh_lexicon import lexicon_readings, load_lexicon
from warmtts.phonemes.zh_phrase_votes import PhraseVotes
from warmtts.phonemes.zh_polyphone import PolyphoneModel
from warmtts.phonemes.zh_reading_policy import ReadingPolicy
from warmtts.phonemes.zh_sandhi import apply_sandhi
from warmtts.phonemes.zh_tables import load_tables, tagger, tokenizer, use_phrases
from warmtts.phonemes.zh_words import HAN_RUN, Word

__all__ = ["Word", "ZhG2P"]

log = logging.getLogger(__name__)
BUILTIN_LEXICON = Path(__file__).parent / "data" / "zh_lexicon.txt"
BUILTIN_POLICY = Path(__file__).parent / "data" / "zh_reading_policy.json"


class ZhG2P:
    """Owns jieba's tokenizer and tagger, the polyphone model and the lexicon (our built-in
    entries, then the user's `lexicon`, which wins); its tables come ready (zh_tables.py), and
    `warm_up` runs a first sentence through every stage.

    One instance serves every worker thread: calls only read (the tables are built before
    the first), and `replace_lexicon` swaps one reference. Never add words to the tokenizer:
    the tagger would merge their tags into its table, unguarded, inside the next call.
    """

    def __init__(
        self,
        lexicon: Mapping[str, tuple[str, ...]] | None = None,
        policy: ReadingPolicy | None = None,
        builtin_lexicon: bool = True,
        cache_dir: Path | None = None,
    ) -> None:
        """`cache_dir` keeps jieba's and CC-CEDICT's prepared tables between starts
        (zh_tables.py); without it they are built from their sources."""
        self._polyphones = PolyphoneModel()
        tables = load_tables(cache_dir, self._polyphones.polyphones)
        use_phrases(tables)
        self._tokenizer = tokenizer(tables)
        self._tagger = tagger(self._tokenizer, tables)
        self._votes = PhraseVotes(tables.cedict)
        self._builtin = load_lexicon(BUILTIN_LEXICON) if builtin_lexicon else {}
        self._lexicon: Mapping[str, tuple[str, ...]] = self._builtin | dict(lexicon or {})
        self._policy = policy or ReadingPolicy.load(BUILTIN_POLICY)

    def replace_lexicon(self, lexicon: Mapping[str, tuple[str, ...]]) -> None:
        """Put a new user lexicon in force at once. The merged table is built whole, then one
        reference is swapped: a call in progress keeps the table it started with."""
        self._lexicon = self._builtin | dict(lexicon)

    def warm_up(self) -> None:
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self.words("银行行长说我们长大了。")

    def words(self, text: str, sandhi: bool = True, readings: Mapping[int, str] | None = None) -> list[Word]:
        """Words of `text` with their pinyin; non-Han words carry no pinyin.

        Without `sandhi` every Han character has its citation syllable (CPP's labels); with it
        the tones are those spoken (third tone, 一, 不, neutral reduplication) and erhua is
        merged. `readings` (character index → syllable) wins over the lexicon. Words carry jieba's part-of-speech tags, which the function-word rules, the
        sandhi and the prosody use.
        """
        tokens, evidence = self.evidence(text)
        fixed = lexicon_readings(text, self._lexicon)  # one read of the reference: one lexicon per call
        if readings:
            fixed = fixed | dict(readings)
        policy = self._policy
        result: list[Word] = []
        start = 0
        for token, pos in tokens:
            if not HAN_RUN.fullmatch(token):
                result.append(Word(token, (), False, pos))
            else:
                syllables = tuple(
                    fixed.get(i) or policy.read(evidence[i])  # type: ignore[arg-type]
                    for i in range(start, start + len(token))
                )
                result.append(Word(token, syllables, True, pos))
            start += len(token)
        return apply_sandhi(result, self.is_word) if sandhi else result

    def evidence(self, text: str) -> tuple[list[tuple[str, str]], list[Evidence | None]]:
        """jieba's (word, tag) pairs and, per character of `text`, every source's reading of it
        (None for characters outside Han words)."""
        tokens = self._tag(text)
        guesses = self._polyphones.guesses(text)
        evidence: list[Evidence | None] = [None] * len(text)
        start = 0
        for index, (token, pos) in enumerate(tokens):
            if HAN_RUN.fullmatch(token):
                rule = function_word_reading(tokens, index) if len(token) == 1 else None
                for offset, (base, phrase) in enumerate(self._dictionary_readings(token)):
                    i = start + offset
                    guess = guesses.get(i)
                    votes = self._votes.votes(token, offset) if guess is not None else {}
                    evidence[i] = Evidence(token[offset], token, base, phrase, guess, rule, votes, offset)
            start += len(token)
        return tokens, evidence

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

