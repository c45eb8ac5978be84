"""Marks → subtitle cues → SRT or WebVTT, as a subtitle editor would cut them.

A cue ends at a sentence's end (sentence punctuation or a line break between two marks), at a
pause a viewer notices, or before it grows too wide to read in one line or too long to stay
up. Its text is the input it covers, so what is read and what is shown agree: "2026年" stays
"2026年", not the words it was read as. SSML tags are not shown; marks never cover them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from warmtts.text.marks import Mark
from warmtts.text.ssml import is_ssml

SubtitleFormat = Literal["vtt", "srt"]
SUBTITLE_FORMATS: tuple[SubtitleFormat, ...] = ("vtt", "srt")
SUBTITLE_TYPES: dict[SubtitleFormat, str] = {"vtt": "text/vtt", "srt": "application/x-subrip"}

MAX_COLUMNS = 42  # a Han character is two columns wide: about 21 of them
MAX_SECONDS = 6.0
PAUSE_SECONDS = 0.6
_SENTENCE_END = re.compile(r"[。！？.!?…\n]")
_CLAUSE_END = re.compile(r"[,，、;；:：]")
_BLOCK_END = re.compile(r"</(?:s|p)\s*>")
_END_TAG = re.compile(r"</[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def cues(
    marks: Sequence[Mark], text: str, ssml: bool | None = None,
    max_columns: int = MAX_COLUMNS, max_seconds: float = MAX_SECONDS, pause_seconds: float = PAUSE_SECONDS,
) -> list[Cue]:
    """The cues for `marks` (monotonic, as a stream carries them) of the input `text`."""
    ssml = is_ssml(text) if ssml is None else ssml
    groups: list[list[Mark]] = []
    for mark in marks:
        group = groups[-1] if groups else None
        if group is None or _ends(group, mark, text, ssml, max_seconds, pause_seconds):
            groups.append([mark])
        elif _columns(_cue_text([*group, mark], text, ssml)) > max_columns:
            at = _clause_break(group, text, ssml, max_columns // 2)
            groups[-1:] = [group[:at], [*group[at:], mark]]
        else:
            group.append(mark)
    made = []
    for index, group in enumerate(groups):
        low = groups[index - 1][-1].offset + groups[index - 1][-1].length if index else 0
        high = groups[index + 1][0].offset if index + 1 < len(groups) else len(text)
        line = _punctuated(_cue_text(group, text, ssml), group, text, ssml, low, high)
        made.append(Cue(group[0].start, group[-1].end, line))
    for index in range(len(made) - 1):  # rounding or a mark's overhang must not overlap the next cue
        if made[index].end > made[index + 1].start:
            made[index] = Cue(made[index].start, made[index + 1].start, made[index].text)
    return [cue for cue in made if cue.text]


def _ends(group: list[Mark], mark: Mark, text: str, ssml: bool, max_seconds: float, pause: float) -> bool:
    """Whether the cue of `group` ends before `mark`: a sentence's end, a pause, or its time."""
    last = group[-1]
    return (
        _sentence_ends(text[last.offset + last.length : mark.offset], ssml)
        or mark.start - last.end > pause
        or mark.end - group[0].start > max_seconds
    )


def _clause_break(group: list[Mark], text: str, ssml: bool, min_columns: int) -> int:
    """Where a cue grown too wide is cut: after its last clause (a comma, a semicolon) if what
    comes before it is at least `min_columns` wide, so the next cue starts a phrase rather than
    leaving one word alone; else before the mark that did not fit."""
    for at in range(len(group) - 1, 0, -1):
        before, after = group[at - 1], group[at]
        if _CLAUSE_END.search(text[before.offset + before.length : after.offset]):
            return at if _columns(_cue_text(group[:at], text, ssml)) >= min_columns else len(group)
    return len(group)


def _sentence_ends(separator: str, ssml: bool) -> bool:
    """Sentence punctuation or a line break in the text between two marks, or, in SSML, the end
    of an <s> or <p> (a tag's attributes may hold a '.', as <break time="1.5s"/> does)."""
    if not ssml:
        return bool(_SENTENCE_END.search(separator))
    return bool(_SENTENCE_END.search(_TAG.sub(" ", separator)) or _BLOCK_END.search(separator))


def _cue_text(group: list[Mark], text: str, ssml: bool) -> str:
    """The input from the group's first mark to the end of its last, on one line; in SSML, a
    tag between two marks reads as nothing between Han characters and as a space between words."""
    parts = [text[group[0].offset : group[0].offset + group[0].length]]
    for previous, mark in zip(group, group[1:]):
        separator = text[previous.offset + previous.length : mark.offset]
        if ssml and _TAG.search(separator):
            separator = _TAG.sub("", separator)
            if not separator.strip() and not (_wide(parts[-1][-1:]) or _wide(text[mark.offset : mark.offset + 1])):
                separator = " "
        parts += [separator, text[mark.offset : mark.offset + mark.length]]
    joined = "".join(parts)
    if ssml:
        joined = html.unescape(_TAG.sub("", joined))
    return _SPACE.sub(" ", joined).strip()


def _punctuated(line: str, group: list[Mark], text: str, ssml: bool, low: int, high: int) -> str:
    """`line` with the punctuation that touches it in the input, as a reader expects to see
    it: an opening quote or bracket before, a comma, full stop or closing quote after (marks
    cover only what is spoken); in SSML, past the end tags in between ("again</s>.")."""
    start, end = group[0].offset, group[-1].offset + group[-1].length
    while start > low and unicodedata.category(text[start - 1]) in ("Ps", "Pi"):
        start -= 1
    after = end
    while end < high:
        closing = _END_TAG.match(text, end) if ssml else None
        if closing is not None:
            end = closing.end()
        elif _trailing(text[end]):
            end, after = end + 1, end + 1
        else:
            break
    tail = text[group[-1].offset + group[-1].length : after]
    return text[start : group[0].offset] + line + (_TAG.sub("", tail) if ssml else tail)


def _trailing(ch: str) -> bool:
    """Punctuation that closes what comes before it ('&' starts an SSML entity instead)."""
    category = unicodedata.category(ch)
    return category.startswith("P") and category not in ("Ps", "Pi") and ch != "&"


def _wide(ch: str) -> bool:
    return bool(ch) and unicodedata.east_asian_width(ch) in ("W", "F")


def _columns(line: str) -> int:
    return sum(2 if _wide(ch) else 1 for ch in line)


def _clock(seconds: float, separator: str) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def to_srt(items: Sequence[Cue]) -> str:
    """SubRip: numbered cues, comma before the milliseconds; no cues is an empty file."""
    return "".join(
        f"{number}\n{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}\n{cue.text}\n\n"
        for number, cue in enumerate(items, 1)
    )


def to_vtt(items: Sequence[Cue]) -> str:
    """WebVTT: a header, a dot before the milliseconds, and the text escaped (a cue may hold tags)."""
    body = "".join(
        f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}\n{html.escape(cue.text, quote=False)}\n\n"
        for cue in items
    )
    return "WEBVTT\n\n" + body


def subtitles(marks: Sequence[Mark], text: str, fmt: SubtitleFormat, ssml: bool | None = None) -> str:
    """The whole file for `marks` of the input `text`."""
    made = cues(marks, text, ssml)
    return to_srt(made) if fmt == "srt" else to_vtt(made)
