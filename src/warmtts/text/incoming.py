"""Text that arrives in pieces (an LLM's tokens) → stretches ready to speak, as soon as they are.

The one place that decides when streamed text may be spoken, for the realtime WebSocket and
Wyoming's streamed synthesis alike. A stretch is ready when it ends a sentence whose following
character has arrived (a sentence end at the very end may still grow: "?!", "Dr."), or, past
`clause_chars` of spoken length with no sentence end, at the last clause mark whose following
character has arrived. So a word split across appends is never cut: the cut always lies
behind a character that is already here. `flush` (and `idle`, after a pause in the text) hand
over the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from warmtts.text.scripts import HAN
from warmtts.text.segment import complete_sentence_end, spoken_length

_CLAUSE_MARKS = "，、：,:"
_WIDE_CLAUSE_MARKS = "，、："  # need no space after them


@dataclass(frozen=True)
class Ready:
    """A stretch of the text ready to speak, as it arrived (spaces and all); `offset` is where
    it starts in its generation (the text since the last flush or clear), in code points."""

    text: str
    offset: int


def _clause_cut(text: str) -> int:
    """Just after the last clause mark of `text` that something has followed, or 0."""
    for i in range(len(text) - 2, -1, -1):
        ch = text[i]
        if ch in _WIDE_CLAUSE_MARKS or (ch in _CLAUSE_MARKS and text[i + 1].isspace()):
            return i + 1
    return 0


def _space_cut(text: str) -> int:
    """Just after the last space that a character has followed, or 0."""
    for i in range(len(text) - 2, -1, -1):
        if text[i].isspace() and not text[i + 1].isspace():
            return i + 1
    return 0


class IncomingText:
    """One stream's text not yet spoken; not thread-safe (one owner: a session or a handler).

    `clause_chars` (spoken length, a Han character counting three) bounds how long a run with
    no sentence end waits; twice that with no clause mark either, it is cut at a space. None:
    only sentence ends, flush and idle cut.
    """

    def __init__(self, clause_chars: int | None = None) -> None:
        self.clause_chars = clause_chars
        self._pending = ""
        self._offset = 0  # where _pending starts in the generation

    @property
    def pending(self) -> str:
        return self._pending

    @property
    def generation_chars(self) -> int:
        """Characters received in this generation so far, spoken or not."""
        return self._offset + len(self._pending)

    def append(self, text: str) -> Ready | None:
        """Add `text`; the stretch now ready to speak, if any (all complete sentences at once)."""
        self._pending += text
        cut = complete_sentence_end(self._pending)
        rest = self._pending[cut:]
        if self.clause_chars is not None and spoken_length(rest) > self.clause_chars:
            more = _clause_cut(rest)
            if not more and spoken_length(rest) > 2 * self.clause_chars:
                more = _space_cut(rest)
            cut += more
        return self._take(cut)

    def idle(self) -> Ready | None:
        """No text came for a while: the rest, but a Latin word still being written stays."""
        text = self._pending
        if text and (text[-1].isalnum() and not HAN.match(text[-1])):
            return self._take(_space_cut(text))
        return self._take(len(text))

    def flush(self) -> Ready | None:
        """Everything left; the next text starts a new generation at offset 0."""
        ready = self._take(len(self._pending))
        self._offset = 0
        return ready

    def clear(self) -> None:
        """Drop what is left and start a new generation."""
        self._pending, self._offset = "", 0

    def _take(self, cut: int) -> Ready | None:
        if cut <= 0:
            return None
        ready = Ready(self._pending[:cut], self._offset)
        self._pending = self._pending[cut:]
        self._offset += cut
        return ready
