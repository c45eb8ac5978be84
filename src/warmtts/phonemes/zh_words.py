"""The unit every Chinese stage passes along: a word with one pinyin syllable per reading."""

from __future__ import annotations

from dataclasses import dataclass

from warmtts.text.scripts import HAN, HAN_RUN

# HAN and HAN_RUN are defined in text/scripts.py; the Chinese stages take them from here.
__all__ = ["HAN", "HAN_RUN", "Word", "tone", "with_tone"]


@dataclass(frozen=True)
class Word:
    """A jieba word; `pinyin` holds one tone-numbered syllable per character (erhua merged once
    sandhi has run), and `pos` jieba's part-of-speech tag when the words were tagged."""

    text: str
    pinyin: tuple[str, ...]
    is_han: bool
    pos: str = ""


def tone(syllable: str) -> int:
    """The tone digit of a tone-numbered syllable; 0 for an empty or untoned one."""
    return int(syllable[-1]) if syllable and syllable[-1].isdigit() else 0


def with_tone(syllable: str, new: int) -> str:
    return syllable[:-1] + str(new) if tone(syllable) else syllable
