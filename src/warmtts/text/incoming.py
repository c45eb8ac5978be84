"""Text that arrives in pieces (an LLM's tokens) → stretches ready to speak, as soon as they are.

The one place that decides when streamed text may be spoken, for the realtime WebSocket and
Wyoming's streamed synthesis alike. A stretch is ready when it ends a sentence whose following
character has arrived (a full stop at the very end may be "Dr." or "3.14"), at once when it ends
with a mark that is never inside a word (。！？!?；;…: what may follow, "!" of "?!" or a closing
quote, is then a stretch of its own with nothing to say). So a word split across appends is
never cut: the cut always lies behind a character that is already here, or a mark.

A listener short of audio cannot wait for a long sentence's end: `clause` then cuts past
`clause_chars` of spoken length at the last clause mark that something has followed. Only
then: each cut ends a model call, whose prosody and pause end a sentence, so cutting every
long sentence made the streamed audio 3-5 % longer than the same text over HTTP (bench.realtime).
`flush` (and `idle`, after a pause in the text) hand over the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from warmtts.text.scripts import HAN
from warmtts.text.segment import complete_sentence_end, spoken_length

_FINAL_MARKS = "。！？!?；;…"
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

    `clause_chars` (spoken length, a Han character counting three) is how long a run with no
    sentence end must be before `clause` cuts it; twice that with no clause mark, at a space.
    """

    def __init__(self, clause_chars: int) -> None:
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
        final = self._pending.endswith(tuple(_FINAL_MARKS))
        cut = len(self._pending) if final else complete_sentence_end(self._pending)
        return self._take(cut)

    def clause(self) -> Ready | None:
        """For a listener short of audio: a long unfinished sentence up to its last clause mark."""
        if spoken_length(self._pending) <= self.clause_chars:
            return None
        cut = _clause_cut(self._pending)
        if not cut and spoken_length(self._pending) > 2 * self.clause_chars:
            cut = _space_cut(self._pending)
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
