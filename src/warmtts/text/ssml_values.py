"""The values SSML attributes may take, read into numbers: break times and strengths, prosody
rates, language tags and pinyin. Each reader raises ValueError with a message a user can act
on; the parser adds the element's line and column."""

from __future__ import annotations

import re

MAX_BREAK_SECONDS = 10.0
BREAK_STRENGTHS = {"none": 0.0, "x-weak": 0.1, "weak": 0.2, "medium": 0.4, "strong": 0.7, "x-strong": 1.2}
RATE_WORDS = {"x-slow": 0.5, "slow": 0.75, "medium": 1.0, "default": 1.0, "fast": 1.25, "x-fast": 1.5}
_BREAK_TIME = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)")
_RATE = re.compile(r"([+-]?)(\d+(?:\.\d*)?|\.\d+)(%?)")
_LANG_TAG = re.compile(r"([A-Za-z]{2,8})(?:[-_][A-Za-z0-9]{1,8})*")
_PINYIN = re.compile(r"[a-zü]{1,6}[1-5]", re.IGNORECASE)  # ü may be written v


def language(tag: str) -> str:
    """The primary subtag of an xml:lang value, lower-cased: zh-CN → zh."""
    match = _LANG_TAG.fullmatch(tag.strip())
    if match is None:
        raise ValueError(f"xml:lang {tag!r} is not a language tag such as zh-CN or en-US")
    return match.group(1).lower()


def rate(value: str) -> float:
    """A factor: a word (slow, x-fast), N% of the current rate, +N%/-N% a change by N%, or a
    bare multiplier; 0.1 to 10."""
    value = value.strip()
    if value in RATE_WORDS:
        return RATE_WORDS[value]
    match = _RATE.fullmatch(value)
    factor = -1.0
    if match is not None:
        sign, number, percent = match.groups()
        if percent:
            factor = 1 + float(sign + number) / 100 if sign else float(number) / 100
        elif not sign:
            factor = float(number)
    if not 0.1 <= factor <= 10:
        raise ValueError(
            f"prosody rate {value!r} is not x-slow, slow, medium, fast, x-fast, default, "
            "a percentage (80%, +20%) or a multiplier from 0.1 to 10"
        )
    return factor


def break_seconds(time: str | None, strength: str | None) -> float:
    """A break's length: its time if given, else its strength's (medium without either)."""
    if time is not None:
        match = _BREAK_TIME.fullmatch(time.strip())
        if match is None:
            raise ValueError(f"break time {time!r} is not a duration such as 500ms or 1.5s")
        seconds = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
        if seconds > MAX_BREAK_SECONDS:
            raise ValueError(f"break time {time!r} is longer than {MAX_BREAK_SECONDS:g}s")
        return seconds
    if strength is None:
        return BREAK_STRENGTHS["medium"]
    if strength not in BREAK_STRENGTHS:
        raise ValueError(f"break strength {strength!r} is not one of {', '.join(BREAK_STRENGTHS)}")
    return BREAK_STRENGTHS[strength]


def pinyin(ph: str, han: int) -> str:
    """`ph` checked: tone-numbered syllables (ü may be written v), one per Han character."""
    syllables = ph.split()
    for syllable in syllables:
        if not _PINYIN.fullmatch(syllable.replace("v", "ü").replace("V", "ü")):
            raise ValueError(f"pinyin {syllable!r} is not a syllable with a tone number 1-5, such as hang2")
    if han != len(syllables):
        raise ValueError(f"pinyin {ph!r} has {len(syllables)} syllables for {han} Han characters")
    return ph
