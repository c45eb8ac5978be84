"""Segmentation: raw text → sentences → model-sized pieces → language runs.

Splitting works on the raw text, before normalisation, and lazily, so a 100,000-character
input is never normalised or held as phonemes all at once and the first piece is ready after
reading only the first sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from warmtts.text.clean import clean_chars, collapse_spaces
from warmtts.text.scripts import HAN
from warmtts.text.source import SourceText

Script = Literal["zh", "en"]

_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SENTENCE_END = "。！？!?；;…\n"
_CLAUSE_END = "，、,：:"
_CLOSERS = "”’\"')）]】》」』"
# An English full stop ends a sentence when whitespace follows, unless it closes a title or a
# common abbreviation ("Dr. Smith", "e.g. this").
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e inc ltd co no fig approx dept est mt".split()
)


@dataclass(frozen=True)
class Piece:
    """A sentence or part of one, small enough for one model call; `end` is its pause kind."""

    text: str
    end: Literal["sentence", "clause", "none"]


@dataclass(frozen=True)
class Run:
    """A stretch of text in one script, spoken by a voice of that language."""

    script: Script
    text: str


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


def dominant_script(text: str) -> Script:
    """Han anywhere makes the text Chinese: its digits and symbols are then read in Chinese."""
    return "zh" if has_han(text) else "en"


def _ends_abbreviation(text: str, dot: int) -> bool:
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _sentence_ends(text: str) -> Iterator[int]:
    """Indices just after each sentence end, closing quotes included."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        end = -1
        if ch in _SENTENCE_END:
            end = i + 1
            while end < n and text[end] in _SENTENCE_END:
                end += 1
        elif ch == "." and (i + 1 == n or text[i + 1].isspace()) and not _ends_abbreviation(text, i):
            end = i + 1
        if end < 0:
            i += 1
            continue
        while end < n and text[end] in _CLOSERS:
            end += 1
        yield end
        i = end


def ends_sentence(text: str) -> bool:
    """Whether `text` ends with a sentence's closing punctuation (closing quotes aside)."""
    body = text.rstrip().rstrip(_CLOSERS)
    return bool(body) and (body[-1] in _SENTENCE_END or body[-1] == ".")


def split_sentences(text: str) -> Iterator[str]:
    """Sentences of `text` with their punctuation, stripped, never empty."""
    start = 0
    for end in _sentence_ends(text):
        sentence = text[start:end].strip()
        if sentence:
            yield sentence
        start = end
    tail = text[start:].strip()
    if tail:
        yield tail


def complete_sentence_end(text: str) -> int:
    """Where the surely complete sentences of `text` end: a sentence end at the very end may
    still grow ("?!"), and text after the last end waits for more."""
    cut = 0
    for end in _sentence_ends(text):
        if end < len(text):
            cut = end
    return cut


def source_sentences(chunks: Iterable[SourceText]) -> Iterator[SourceText]:
    """Sentences of a text given in chunks (lines of a file), read lazily, each character with
    its place in the input; runs of spaces are collapsed and control characters are spaces."""
    buffer = SourceText.of("")
    for chunk in chunks:
        buffer = buffer + SourceText(clean_chars(chunk.text), chunk.spans)
        cut = complete_sentence_end(buffer.text)
        if cut:
            yield from _source_split(buffer[:cut])
            buffer = buffer[cut:]
    yield from _source_split(buffer)


def _source_split(text: SourceText) -> Iterator[SourceText]:
    start = 0
    for end in [*_sentence_ends(text.text), len(text)]:
        sentence = text[start:end].strip()
        if sentence:
            yield sentence.follow(collapse_spaces(sentence.text))
        start = end


def source_pieces(sentence: SourceText, limit: int) -> list[tuple[Piece, SourceText]]:
    """pieces() of a sentence, each with its characters' places in the input."""
    found = pieces(sentence.text, limit)
    if len(found) == 1:
        return [(found[0], sentence.follow(found[0].text))]
    joined = sentence.follow(" ".join(p.text for p in found))
    result, at = [], 0
    for piece in found:
        result.append((piece, joined[at : at + len(piece.text)]))
        at += len(piece.text) + 1
    return result


HAN_WEIGHT = 3  # a Han character is a syllable: about as much speech as three Latin letters


def spoken_length(text: str) -> int:
    """Length in Latin-letter equivalents, so one limit bounds a model call's speech in either
    script (200 is about 15 s: 200 English letters, or 66 Chinese characters)."""
    return len(text) + (HAN_WEIGHT - 1) * len(HAN.findall(text))


def _fitting(text: str, limit: int) -> int:
    """How many leading characters of `text` fit in `limit` (at least one)."""
    total = 0
    for index, ch in enumerate(text):
        total += HAN_WEIGHT if HAN.match(ch) else 1
        if total > limit:
            return max(1, index)
    return len(text)


def _split_long(text: str, limit: int) -> list[str]:
    """Cut `text` into parts of at most `limit` (spoken length), at spaces where possible."""
    parts: list[str] = []
    while spoken_length(text) > limit:
        end = _fitting(text, limit)
        cut = text.rfind(" ", end // 2, end)
        if cut <= 0:
            cut = end
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        parts.append(text)
    return parts


def split_clauses(sentence: str) -> list[str]:
    """The sentence cut after each clause mark (，、,：:), punctuation kept."""
    clauses: list[str] = []
    start = 0
    for i, ch in enumerate(sentence):
        is_mark = ch in "，、：" or (ch in ",:" and (i + 1 == len(sentence) or sentence[i + 1].isspace()))
        if is_mark:
            clauses.append(sentence[start : i + 1].strip())
            start = i + 1
    clauses.append(sentence[start:].strip())
    return [c for c in clauses if c]


def pieces(sentence: str, limit: int) -> list[Piece]:
    """Model-sized pieces of one sentence: the whole sentence when its spoken length fits in
    `limit` (the acoustic model's prosody spans it), else its clauses grouped up to `limit`, a
    clause longer than that cut at a space where there is one. Streaming does not need short
    pieces: the vocoder's windows give the first audio early (voices/windows.py)."""
    if spoken_length(sentence) <= limit:
        return [Piece(sentence, "sentence")]
    groups: list[str] = []
    for clause in split_clauses(sentence):
        for part in _split_long(clause, limit):
            if groups and spoken_length(groups[-1]) + spoken_length(part) + 1 <= limit:
                sep = " " if not has_han(part[:1] + groups[-1][-1:]) else ""
                groups[-1] = groups[-1] + sep + part
            else:
                groups.append(part)
    result: list[Piece] = []
    for i, group in enumerate(groups):
        last = i == len(groups) - 1
        ends_clause = group[-1] in _CLAUSE_END
        result.append(Piece(group, "sentence" if last else ("clause" if ends_clause else "none")))
    return result


def language_runs(text: str) -> list[Run]:
    """Split text into Han and non-Han runs; digits, spaces and punctuation join their neighbour.

    Normalisation has already turned digits into words of the dominant language, so what is
    left neutral is punctuation and space.
    """
    runs: list[tuple[Script | None, list[str]]] = []
    for ch in text:
        script: Script | None
        if HAN.match(ch):
            script = "zh"
        elif _LATIN_RE.match(ch) or ch.isdigit():
            script = "en"
        else:
            script = None
        if runs and (script is None or runs[-1][0] in (None, script)):
            if runs[-1][0] is None:
                runs[-1] = (script, runs[-1][1])
            runs[-1][1].append(ch)
        else:
            runs.append((script, [ch]))
    result: list[Run] = []
    for script, chars in runs:
        body = "".join(chars)
        if script is None:  # only punctuation: attach to the previous run or drop if alone
            if result:
                result[-1] = Run(result[-1].script, result[-1].text + body)
            continue
        result.append(Run(script, body))
    return [Run(r.script, r.text.strip()) for r in result if r.text.strip()]
