"""Text that remembers where it came from in the request's input.

Timestamps and subtitles point into what the user sent, not into what we speak: "2026年" is
read as five syllables but is one span of the input, and an SSML tag has no span at all. So
every stage that rewrites text (cleaning, cutting into sentences, normalising, SSML's
`say-as` and `sub`) passes along, for each character it produces, the span of the input it
stands for. Offsets count Unicode code points, as Python's `str` does.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

Span = tuple[int, int]  # [start, end) in the input; empty for text the input did not have


@dataclass(frozen=True)
class SourceText:
    text: str
    spans: tuple[Span, ...]  # one per character of `text`

    def __post_init__(self) -> None:
        if len(self.spans) != len(self.text):
            raise ValueError(f"{len(self.text)} characters but {len(self.spans)} spans")

    @classmethod
    def of(cls, text: str, offset: int = 0) -> SourceText:
        """`text` as it stands in the input, starting at `offset`."""
        return cls(text, tuple((i, i + 1) for i in range(offset, offset + len(text))))

    @classmethod
    def standing_for(cls, text: str, span: Span) -> SourceText:
        """`text` said in place of the input's `span` (an SSML alias, a spelled-out number)."""
        return cls(text, (span,) * len(text))

    @classmethod
    def join(cls, parts: Iterable[SourceText]) -> SourceText:
        parts = list(parts)
        return cls("".join(p.text for p in parts), tuple(s for p in parts for s in p.spans))

    def __len__(self) -> int:
        return len(self.text)

    def __getitem__(self, index: slice) -> SourceText:
        return SourceText(self.text[index], self.spans[index])

    def __add__(self, other: SourceText) -> SourceText:
        return SourceText(self.text + other.text, self.spans + other.spans)

    def strip(self) -> SourceText:
        stripped = self.text.strip()
        if not stripped:
            return self[0:0]
        start = len(self.text) - len(self.text.lstrip())
        return self[start : start + len(stripped)]

    def span(self, start: int = 0, end: int | None = None) -> Span | None:
        """The input covered by characters [start, end), or None if they came from nowhere."""
        covered = [s for s in self.spans[start:end] if s[1] > s[0]]
        if not covered:
            return None
        return min(s[0] for s in covered), max(s[1] for s in covered)

    def follow(self, derived: str) -> SourceText:
        """`derived`, made from this text by deleting characters and inserting or changing
        spaces (stripping, collapsing spaces, joining clauses): each of its characters is
        matched to the next equal one here; an inserted space stands for nothing."""
        spans: list[Span] = []
        i = 0
        for ch in derived:
            j = self.text.find(ch, i) if not ch.isspace() else -1
            if j < 0 and ch.isspace():
                j = i if i < len(self.text) and self.text[i].isspace() else -1
            if j < 0:
                where = self.spans[i - 1][1] if i else (self.spans[0][0] if self.spans else 0)
                spans.append((where, where))
                continue
            spans.append(self.spans[j])
            i = j + 1
        return SourceText(derived, tuple(spans))

    def rewrite(self, derived: str) -> SourceText:
        """`derived`, a rewriting of this text (normalisation): characters both share (letters,
        Han, punctuation) keep their spans; what was replaced ("2026" → "二零二六") stands,
        character by character, for the whole of what it replaced. Spaces never anchor the
        match, so "24, 2026" → "twenty fourth, twenty twenty six" is not cut at a space."""
        if derived == self.text:
            return self
        source = [_fold(c) for c in self.text]
        target = [_fold(c) for c in derived]
        matcher = difflib.SequenceMatcher(lambda c: c.isspace(), source, target, autojunk=False)
        spans: list[Span] = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                spans.extend(self.spans[i1:i2])
            elif op in ("replace", "insert"):
                whole = self.span(i1, i2)
                if whole is None:  # inserted: it stands for nothing (a space, a joining word)
                    where = self.spans[i1 - 1][1] if i1 else (self.spans[0][0] if self.spans else 0)
                    whole = (where, where)
                spans.extend([whole] * (j2 - j1))
        return SourceText(derived, tuple(spans))


def _fold(ch: str) -> str:
    lower = ch.lower()
    return lower if len(lower) == 1 else ch
