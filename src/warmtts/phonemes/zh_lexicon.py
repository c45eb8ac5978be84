"""A user lexicon: words whose reading the user fixes, overriding every other source.

The file is UTF-8, one entry per line: the word, then one tone-numbered syllable per character
(`行长 hang2 zhang3`). Blank lines and lines starting with # are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from warmtts.errors import LexiconError

MAX_REPORTED = 5


def parse_lexicon(text: str, source: str = "<lexicon>") -> dict[str, tuple[str, ...]]:
    """The entries of `text`, or a LexiconError naming each bad line (the first few) and why:
    a file is taken whole or not at all."""
    entries: dict[str, tuple[str, ...]] = {}
    bad: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, *syllables = line.split()
        if len(syllables) != len(word):
            bad.append(f"{source}:{number}: {len(word)} characters but {len(syllables)} syllables in {line!r}")
        elif not all(s[-1] in "12345" and s[:-1].isalpha() for s in syllables):
            bad.append(f"{source}:{number}: each syllable needs a tone number 1-5 (hang2), got {line!r}")
        else:
            entries[word] = tuple(s.lower().replace("ü", "v") for s in syllables)
    if bad:
        more = f" (and {len(bad) - MAX_REPORTED} more bad lines)" if len(bad) > MAX_REPORTED else ""
        raise LexiconError("; ".join(bad[:MAX_REPORTED]) + more)
    return entries


def load_lexicon(path: Path | None) -> dict[str, tuple[str, ...]]:
    """The entries of the file at `path`; none when there is no path."""
    if path is None:
        return {}
    try:
        return parse_lexicon(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"lexicon {path} unreadable: {exc}") from exc


def lexicon_readings(text: str, lexicon: Mapping[str, tuple[str, ...]]) -> dict[int, str]:
    """Character index → syllable for every lexicon word in `text`, longest match first, left
    to right, so `银行行长` beats `行长` when both are entries."""
    if not lexicon:
        return {}
    longest = max(map(len, lexicon))
    readings: dict[int, str] = {}
    i = 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 0, -1):
            syllables = lexicon.get(text[i : i + size])
            if syllables is not None:
                readings.update(zip(range(i, i + size), syllables))
                i += size
                break
        else:
            i += 1
    return readings
