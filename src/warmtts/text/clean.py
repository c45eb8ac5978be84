"""Removing what no stage should see: control and format characters, odd spaces.

A NUL reaches espeak-ng as an error and a zero-width space splits words invisibly; they carry
nothing speakable, so they become plain spaces (newlines stay: they end sentences).
"""

from __future__ import annotations

import re
import unicodedata

_KEEP = {"\n"}
_SPACES = re.compile(r"[^\S\n]+")


def _replacement(ch: str) -> str:
    if ch in _KEEP:
        return ch
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or ch.isspace():
        return "\n" if category in ("Zl", "Zp") or ch == "\r" else " "
    return ch


def clean_chars(text: str) -> str:
    """`text` with control/format characters as spaces, character for character, so offsets
    into it are offsets into the input (timestamps rely on that)."""
    if text.isprintable():
        return text
    return "".join(_replacement(ch) for ch in text)


def collapse_spaces(text: str) -> str:
    return _SPACES.sub(" ", text)

