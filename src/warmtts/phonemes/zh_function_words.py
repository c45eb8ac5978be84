"""Readings of frequent one-character function words that their neighbours decide.

The polyphone model learnt from encyclopaedia sentences and misreads short spoken ones
(我得走了, 我还没还钱). These rules fire only on a one-character jieba word and only when the
neighbouring words settle the reading; otherwise they return None and the model decides.
"""

from __future__ import annotations

from collections.abc import Sequence

# Words after which 还 is the verb "return" when an object follows: 没还钱, 要还他.
_BEFORE_RETURN = frozenset("没 没有 不 要 得 去 来 再 先 快 想 会 能 请 必须 应该 按时 及时".split())


def _is(pos: str, *prefixes: str) -> bool:
    return any(pos.startswith(p) for p in prefixes)


def function_word_reading(tokens: Sequence[tuple[str, str]], index: int) -> str | None:
    """The reading of tokens[index] (word, jieba tag) if it is a function word its neighbours
    decide, else None."""
    word = tokens[index][0]
    prev_word, prev_pos = tokens[index - 1] if index else ("", "")
    next_word, next_pos = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
    if word == "得":
        if _is(prev_pos, "v", "a"):
            return "de5"  # 跑得很快: a complement follows
        if _is(prev_pos, "r", "n") and _is(next_pos, "v"):
            return "dei3"  # 我得走了: must
    elif word == "还":
        if prev_word in _BEFORE_RETURN and _is(next_pos, "n", "r"):
            return "huan2"
    elif word == "地":
        if _is(prev_pos, "a", "ad", "d", "z") and _is(next_pos, "v"):
            return "de5"  # 慢慢地走
    return None
