"""What to say, in order: pieces of text with how to speak them, and silences.

Plain text and SSML both become this one stream, so the engine has one path: a plain text is
its sentences cut to model-sized pieces, lazily; an SSML document adds, per passage, a voice,
a language, a rate and fixed pronunciations, and silences for its breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warmtts.text.segment import Piece, ends_sentence, source_pieces, source_sentences
from warmtts.text.source import SourceText

if TYPE_CHECKING:
    from warmtts.text.ssml import Pronunciation, SsmlDocument


@dataclass(frozen=True)
class Utterance:
    """One model-sized piece and how to speak it; `source` is its text with input spans."""

    piece: Piece
    source: SourceText
    voice: str | None = None  # SSML <voice name>; None: the request's
    lang: str | None = None  # SSML xml:lang's primary subtag; None: from the text's script
    rate: float = 1.0  # SSML <prosody rate>, a multiple of the request's speed
    pronunciations: tuple[Pronunciation, ...] = ()


@dataclass(frozen=True)
class Silence:
    """An SSML <break>."""

    seconds: float


def plain_utterances(chunks: Iterable[str], limit: int) -> Iterator[Utterance]:
    """The pieces of a plain text given in chunks (the lines of a file), read as needed."""
    for sentence in source_sentences(_placed(chunks)):
        for piece, source in source_pieces(sentence, limit):
            yield Utterance(piece, source)


def _placed(chunks: Iterable[str]) -> Iterator[SourceText]:
    offset = 0
    for chunk in chunks:
        yield SourceText.of(chunk, offset)
        offset += len(chunk)


def ssml_utterances(document: SsmlDocument, limit: int) -> Iterator[Utterance | Silence]:
    """The pieces of each passage (a passage may end inside a sentence: its last piece then
    has no pause of its own), and a silence for each break."""
    from warmtts.text.ssml import Pause

    for part in document.parts:
        if isinstance(part, Pause):
            yield Silence(part.seconds)
            continue
        voicing = part.voicing
        sentences = list(source_sentences([part.text]))
        for index, sentence in enumerate(sentences):
            cut = source_pieces(sentence, limit)
            for piece, source in cut:
                if piece is cut[-1][0] and index == len(sentences) - 1 and not ends_sentence(piece.text):
                    piece = Piece(piece.text, "none")  # the sentence goes on in the next passage
                inside = tuple(p for p in part.pronunciations if _overlaps(p.span, source))
                yield Utterance(piece, source, voicing.voice, voicing.lang, voicing.rate, inside)


def _overlaps(span: tuple[int, int], source: SourceText) -> bool:
    covered = source.span()
    return covered is not None and span[0] < covered[1] and covered[0] < span[1]
