"""Timestamps tied to the input: which stretch of what the user sent is heard when.

A mark is one word of English, one character of Chinese, or one written token that is read as
several words ("2026年", "$25.50", "Nov 24"), never punctuation and never an SSML tag. Its
times come from the durations the acoustic model chose for each phoneme.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from warmtts.text.scripts import HAN
from warmtts.text.source import SourceText, Span


@dataclass(frozen=True)
class Mark:
    """`length` characters of the input from `offset` (code points, as Python counts), heard
    from `start` to `end` seconds after the stream's first sample."""

    start: float
    end: float
    offset: int
    length: int

    def to_dict(self, text: str) -> dict[str, object]:
        """The JSON form every surface uses (SSE, /tts, the CLI); `text` is the input."""
        return {
            "start": round(self.start, 3), "end": round(self.end, 3), "offset": self.offset,
            "length": self.length, "text": text[self.offset : self.offset + self.length],
        }


@dataclass(frozen=True)
class Heard:
    """A stretch of speech and the input it stands for (None: something we added, such as a
    joining word)."""

    span: Span | None
    start: float
    end: float


_NUMBER = r"[$¥￥€£]?\d(?:[\d.,:：/\-]*\d)?(?:%|％|‰|℃|°[CF]?)?"
_WORD = rf"(?:(?!{HAN.pattern})[^\W_])+(?:['’.\-](?:(?!{HAN.pattern})[^\W_])+)*"
_TOKEN = re.compile(rf"{_NUMBER}(?:{HAN.pattern})?|{HAN.pattern}|{_WORD}|[^\w\s]")


def input_tokens(source: SourceText) -> list[Span]:
    """The stretches of the input a mark may cover, in order: a Han character, a word, a number
    with its sign, unit and one Han measure word after it ("2026年", "$25.50", "3.5℃"), or a
    spoken symbol (&, +, @); never punctuation."""
    tokens: list[Span] = []
    for match in _TOKEN.finditer(source.text):
        text = match.group()
        if len(text) == 1 and unicodedata.category(text).startswith("P") and text not in "&@#%％":
            continue
        span = source.span(*match.span())
        if span is not None and (not tokens or span[0] >= tokens[-1][1]):
            tokens.append(span)
    return tokens


def marks_for(heard: Iterable[Heard], tokens: Sequence[Span]) -> list[Mark]:
    """Marks over `tokens` timed by what was `heard`. A stretch of speech standing for several
    tokens joins them into one mark ("Nov 24" read from a date), and marks whose times would
    overlap or run backwards are joined too, so the result is in order and never overlaps."""
    groups: list[list[float | int]] = []  # [first token, last token, start, end], by token
    for item in heard:
        if item.span is None:
            continue
        hit = [i for i, (s, e) in enumerate(tokens) if s < item.span[1] and item.span[0] < e]
        if not hit:
            continue
        groups.append([hit[0], hit[-1], item.start, item.end])
    groups.sort(key=lambda g: (g[0], g[2]))
    joined: list[list[float | int]] = []
    for group in groups:
        if joined and (group[0] <= joined[-1][1] or group[2] < joined[-1][3]):
            last = joined[-1]
            last[1], last[2], last[3] = max(last[1], group[1]), min(last[2], group[2]), max(last[3], group[3])
            while len(joined) > 1 and joined[-1][2] < joined[-2][3]:  # a join that reaches back
                tail = joined.pop()
                head = joined[-1]
                head[1], head[3] = max(head[1], tail[1]), max(head[3], tail[3])
        else:
            joined.append(group)
    return [
        Mark(float(start), float(end), tokens[int(first)][0], tokens[int(last)][1] - tokens[int(first)][0])
        for first, last, start, end in joined
    ]
