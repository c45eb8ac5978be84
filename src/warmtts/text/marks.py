"""Timestamps tied to the input: which stretch of what the user sent is heard when.

A mark is one word of English, one character of Chinese, or one written token that is read as
several words ("2026年", "$25.50", "Nov 24"), never punctuation and never an SSML tag. Its
times come from the durations the acoustic model chose for each phoneme.
"""

from __future__ import annotations

from dataclasses import dataclass


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
