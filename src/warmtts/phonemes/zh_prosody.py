"""Prosody marks for Chinese in Baker's scheme.

Baker's corpus marks #1 between prosodic words, #2 at prosodic-phrase boundaries, #3 at
intonational-phrase boundaries (clause punctuation); syllables inside a prosodic word are
joined by #0 and a sentence is wrapped in sil. A prosodic word here is a lexical word with its
one-syllable neighbours attached, at most `max_syllables` long: particles (的 了 吗) lean on
the word before them, other single syllables (很 去 在) on the word after.

Phrase boundaries (#2) come from jieba's part-of-speech tags: before a conjunction or
preposition, and between a noun or pronoun subject and the verb after it, once the phrase so far
is long enough to need a break; a stretch still longer than `MAX_PHRASE` syllables is split in
the middle, and a clause longer than `MAX_CLAUSE` gets a #3 at its middle phrase boundary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from warmtts.phonemes.zh_words import Word

_CLAUSE_MARKS = {"，": "#3", ",": "#3", "；": "#3", ";": "#3", "：": "#3", ":": "#3", "、": "#2",
                 "—": "#3", "——": "#3", "…": "#3", "……": "#3"}
_ENCLITICS = frozenset("的 地 得 了 着 过 吗 呢 吧 啊 呀 嘛 们 么 哦 啦 哈".split())
MIN_PHRASE = 3  # syllables before a POS-driven #2 is worth a pause
MAX_PHRASE = 9
MAX_CLAUSE = 18


@dataclass(frozen=True)
class ProsodicWord:
    """Syllables spoken as one unit, and the mark that follows them (#1, #2 or #3)."""

    text: str
    pinyin: tuple[str, ...]
    mark: str


def _size(group: Sequence[Word]) -> int:
    return sum(len(w.pinyin) for w in group)


def clauses(words: Sequence[Word]) -> Iterator[tuple[list[Word], list[Word]]]:
    """(Han words of a clause, the non-Han words that end it), in order."""
    clause: list[Word] = []
    separator: list[Word] = []
    for word in words:
        if word.is_han:
            if separator:
                yield clause, separator
                clause, separator = [], []
            clause.append(word)
        else:
            separator.append(word)
    yield clause, separator


def group_clause(words: Sequence[Word], max_syllables: int = 4) -> list[list[Word]]:
    groups: list[list[Word]] = []
    carry: list[Word] = []  # single syllables waiting to lean on the next word
    for word in words:
        n = len(word.pinyin)
        leans_left = word.text in _ENCLITICS or (n == 1 and word.pos[:1] in ("f", "u"))
        if not carry and groups and leans_left and _size(groups[-1]) + n <= max_syllables:
            groups[-1].append(word)
            continue
        if carry:
            if _size(carry) + n <= max_syllables:
                groups.append(carry + [word])
                carry = []
                continue
            groups.append(carry)
            carry = []
        if n == 1:
            carry = [word]
        else:
            groups.append([word])
    if carry:
        if groups and _size(groups[-1]) + _size(carry) <= max_syllables:
            groups[-1].extend(carry)
        else:
            groups.append(carry)
    return groups


def _opens_phrase(before: list[Word], group: list[Word]) -> bool:
    first, last = group[0].pos[:1], before[-1].pos[:1]
    return first in ("c", "p") or (first == "v" and last in ("n", "r"))


def _phrase_marks(groups: list[list[Word]]) -> list[str]:
    """The mark after each group but the last: #1, or #2 at a phrase boundary."""
    marks = ["#1"] * max(0, len(groups) - 1)
    since = 0
    for i in range(1, len(groups)):
        since += _size(groups[i - 1])
        if since >= MIN_PHRASE and _opens_phrase(groups[i - 1], groups[i]):
            marks[i - 1] = "#2"
            since = 0
    _split_long(groups, marks, "#1", "#2", MAX_PHRASE)
    _split_long(groups, marks, "#2", "#3", MAX_CLAUSE)
    return marks


def _split_long(groups: list[list[Word]], marks: list[str], weak: str, strong: str, limit: int) -> None:
    """Promote the `weak` mark nearest the middle of any stretch longer than `limit` syllables."""
    start = 0
    while start < len(groups):
        end = start
        while end < len(marks) and marks[end] < strong:
            end += 1
        sizes = [_size(g) for g in groups[start : end + 1]]
        candidates = [i for i in range(start, end) if marks[i] == weak]
        if sum(sizes) > limit and candidates:
            half, running, best = sum(sizes) / 2, 0, candidates[0]
            for i in range(start, end):
                running += sizes[i - start]
                if i in candidates and abs(running - half) < abs(sum(sizes[: best - start + 1]) - half):
                    best = i
            marks[best] = strong
            continue  # re-examine both halves
        start = end + 1


def prosodic_words(words: Sequence[Word], max_syllables: int = 4) -> list[ProsodicWord]:
    result: list[ProsodicWord] = []
    for clause, separator in clauses(words):
        groups = group_clause(clause, max_syllables)
        for group, mark in zip(groups, [*_phrase_marks(groups), "#1"]):
            text = "".join(w.text for w in group)
            result.append(ProsodicWord(text, tuple(s for w in group for s in w.pinyin), mark))
        end = max((_CLAUSE_MARKS.get(w.text.strip(), "#1") for w in separator), default="#1")
        if result and end > result[-1].mark:
            last = result[-1]
            result[-1] = ProsodicWord(last.text, last.pinyin, end)
    return result
