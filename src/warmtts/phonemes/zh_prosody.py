"""Prosody marks for Chinese in Baker's scheme.

Baker's corpus marks #1 between prosodic words, #2 at prosodic-phrase boundaries, #3 at
intonational-phrase boundaries (clause punctuation); syllables inside a prosodic word are
joined by #0 and a sentence is wrapped in sil. A prosodic word here is a lexical word with its
one-syllable neighbours attached, at most `max_syllables` long: particles (的 了 吗) lean on
the word before them, other single syllables (很 去 在) on the word after.
"""

from __future__ import annotations

from dataclasses import dataclass

from warmtts.phonemes.zh_pinyin import Word

_CLAUSE_MARKS = {"，": "#3", ",": "#3", "；": "#3", ";": "#3", "：": "#3", ":": "#3", "、": "#2",
                 "—": "#3", "——": "#3", "…": "#3", "……": "#3"}
_ENCLITICS = frozenset("的 地 得 了 着 过 吗 呢 吧 啊 呀 嘛 们 么 哦 啦 哈".split())


@dataclass(frozen=True)
class ProsodicWord:
    """Syllables spoken as one unit, and the mark that follows them (#1, #2 or #3)."""

    text: str
    pinyin: tuple[str, ...]
    mark: str


def _size(group: list[Word]) -> int:
    return sum(len(w.pinyin) for w in group)


def _group_clause(words: list[Word], max_syllables: int) -> list[list[Word]]:
    groups: list[list[Word]] = []
    carry: list[Word] = []  # single syllables waiting to lean on the next word
    for word in words:
        n = len(word.pinyin)
        if not carry and groups and word.text in _ENCLITICS and _size(groups[-1]) + n <= max_syllables:
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


def prosodic_words(words: list[Word], max_syllables: int = 4) -> list[ProsodicWord]:
    result: list[ProsodicWord] = []
    clause: list[Word] = []

    def flush(mark: str) -> None:
        for group in _group_clause(clause, max_syllables):
            text = "".join(w.text for w in group)
            result.append(ProsodicWord(text, tuple(s for w in group for s in w.pinyin), "#1"))
        clause.clear()
        if result and mark > result[-1].mark:
            last = result[-1]
            result[-1] = ProsodicWord(last.text, last.pinyin, mark)

    for word in words:
        if word.is_han:
            clause.append(word)
        elif mark := _CLAUSE_MARKS.get(word.text.strip()):
            flush(mark)
    flush("#1")
    return result
