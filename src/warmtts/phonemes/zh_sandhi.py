"""Spoken tones from citation tones: neutral reduplication, 一 and 不, third-tone sandhi, erhua.

Third-tone sandhi runs inside each prosodic word only (a speaker does not chain it across a
pause), right to left over the word's structure: 展览|馆 → zhan2 lan2 guan3, 纸|老虎 →
zhi3 lao2 hu3, 我也|很好 → wo2 ye3 hen2 hao3.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warmtts.phonemes.zh_prosody import clauses, group_clause
from warmtts.phonemes.zh_words import Word, tone, with_tone

_NUMERALS = frozenset("零〇一二三四五六七八九十两")
_MAGNITUDES = frozenset("百千万亿")
_DATE_UNITS = frozenset("月号日")
# Words whose final 儿 is a syllable of its own, not the erhua suffix.
_REAL_ER = frozenset(
    "女儿 儿女 婴儿 孤儿 幼儿 健儿 宠儿 胎儿 患儿 男儿 少儿 新生儿 混血儿 弃儿 孩儿 乳儿 "
    "孙儿 侄儿 小儿 育儿 托儿 犬儿 花样男儿 幸运儿 弄潮儿 宁馨儿 低能儿 私生儿".split()
)


def apply_sandhi(words: Sequence[Word], is_word: Callable[[str], bool]) -> list[Word]:
    """Spoken tones of `words`; `is_word` tells a dictionary word, to find a word's structure."""
    result: list[Word] = []
    for clause, separator in clauses(words):
        clause = [_neutral_reduplication(w) for w in clause]
        clause = _yi_bu(clause, is_word)
        for group in group_clause(clause):
            result.extend(_third_tone(group, is_word))
        result.extend(separator)
    return [_merge_erhua(w) for w in result]


def _replace(word: Word, syllables: Sequence[str]) -> Word:
    return Word(word.text, tuple(syllables), word.is_han, word.pos)


def _neutral_reduplication(word: Word) -> Word:
    """看看 kan4 kan5, 星星 xing1 xing5: a doubled verb or noun has a neutral second syllable;
    doubled adverbs and adjectives (常常, 慢慢) keep their tone."""
    text = word.text
    if len(text) == 2 and text[0] == text[1] and word.pos[:1] in ("v", "n"):
        return _replace(word, (word.pinyin[0], with_tone(word.pinyin[1], 5)))
    return word


def _yi_bu(clause: list[Word], is_word: Callable[[str], bool]) -> list[Word]:
    """一 and 不 take their tone from the next syllable (一个 yi2, 一天 yi4, 不对 bu2), except
    where 一 is a number (第一, 十一, 一二三, 一月) or ends a word (统一), and between a doubled
    verb (看一看, 好不好) where both are neutral."""
    chars = [(w_i, c_i, c) for w_i, w in enumerate(clause) for c_i, c in enumerate(w.text)]
    syllables = [list(w.pinyin) for w in clause]
    for k, (w_i, c_i, char) in enumerate(chars):
        current = syllables[w_i][c_i]
        if char not in "一不" or current not in ("yi1", "bu4"):
            continue
        prev = chars[k - 1][2] if k else ""
        if k + 1 == len(chars):
            continue
        next_w, next_c, next_char = chars[k + 1]
        if prev == next_char:
            syllables[w_i][c_i] = with_tone(current, 5)
            continue
        if char == "一" and _yi_keeps_tone(clause[w_i].text, c_i, prev, next_char, is_word):
            continue
        next_tone = tone(syllables[next_w][next_c])
        if next_tone in (4, 5):
            syllables[w_i][c_i] = with_tone(current, 2)
        elif char == "一" and next_tone:
            syllables[w_i][c_i] = with_tone(current, 4)
    return [_replace(w, s) for w, s in zip(clause, syllables)]


def _yi_keeps_tone(word: str, index: int, prev: str, next_char: str, is_word: Callable[[str], bool]) -> bool:
    if prev == "第" or prev in _NUMERALS or prev in _MAGNITUDES:
        return True
    if next_char in _NUMERALS or next_char in _DATE_UNITS:
        return True
    end = 0
    for size in _structure(word, is_word):  # 统一|战线: 一 ends a part of the word
        end += size
        if index == end - 1:
            return len(word) > 1
    return False


def _third_tone(group: list[Word], is_word: Callable[[str], bool]) -> list[Word]:
    units = [
        _third_tone_unit(list(w.pinyin), _structure(w.text, is_word) if len(w.pinyin) == len(w.text) else [1])
        for w in group
    ]
    _join_units(units)
    return [_replace(w, u) for w, u in zip(group, units)]


def _structure(word: str, is_word: Callable[[str], bool]) -> list[int]:
    """Sizes of the parts of a word for sandhi: 展览馆 → [2, 1], 纸老虎 → [1, 2]."""
    n = len(word)
    if n <= 2:
        return [n]
    if n == 3:
        return [1, 2] if not is_word(word[:2]) and is_word(word[1:]) else [2, 1]
    return [2] * (n // 2) + [1] * (n % 2)


def _third_tone_unit(syllables: list[str], sizes: list[int]) -> list[str]:
    parts: list[list[str]] = []
    start = 0
    for size in sizes:
        part = syllables[start : start + size]
        if len(part) == 2 and tone(part[0]) == 3 and tone(part[1]) == 3:
            part[0] = with_tone(part[0], 2)
        parts.append(part)
        start += size
    _join_units(parts)
    return [s for part in parts for s in part]


def _join_units(units: list[list[str]]) -> None:
    """Right to left: a unit ending in a third tone before one starting with a third tone
    rises, in place."""
    for left, right in zip(reversed(units[:-1]), reversed(units[1:])):
        if left and right and tone(left[-1]) == 3 and tone(right[0]) == 3:
            left[-1] = with_tone(left[-1], 2)


def _merge_erhua(word: Word) -> Word:
    """玩儿 wan2 er2 → wanr2 (one syllable), unless 儿 is a syllable of its own (女儿)."""
    text, syllables = word.text, word.pinyin
    if len(text) < 2 or not text.endswith("儿") or text in _REAL_ER or len(syllables) != len(text):
        return word
    prev = syllables[-2]
    if not prev or prev[:-1].endswith("r"):  # already erhua, or 儿儿
        return word
    return _replace(word, (*syllables[:-2], prev[:-1] + "r" + prev[-1]))
