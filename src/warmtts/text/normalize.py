"""Text normalisation: wetext's Chinese and English FSTs, with a thin layer of our own fixes.

wetext (the WeTextProcessing runtime) reads digits, dates, money, units and symbols as words.
Where it is wrong we rewrite the input first into a form it reads correctly, so every fix is a
small, tested rule rather than a second normaliser.
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Literal

from wetext import Normalizer

from warmtts.text import zh_rules

Lang = Literal["zh", "en"]

log = logging.getLogger(__name__)

# Full-width ASCII letters and digits (Ａ, １) fold to half width; full-width punctuation stays,
# since it carries Chinese prosody (，。！？).
_FULL_WIDTH_ALNUM = {
    code: code - 0xFEE0
    for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for code in range(lo, hi + 1)
}
_FULL_WIDTH_ALNUM[0x3000] = 0x20  # ideographic space

_AMOUNT = r"(\d[\d,]*(?:\.\d+)?)"
# "¥25.5元" and "¥25.5" both mean 25.5 yuan; wetext reads the first as "二元五点五元".
_YUAN = re.compile(r"[¥￥]\s*" + _AMOUNT + r"\s*元?")
# "$25.50" is twenty-five dollars and fifty cents; wetext reads "twenty five point five dollars".
_DOLLARS_CENTS = re.compile(r"\$\s*(\d[\d,]*)\.(\d{2})\b")
# North-American phone numbers are read digit by digit, in groups.
_EN_PHONE = re.compile(r"(?<![\d-])(?:\(?(\d{3})\)?[ -])?(\d{3})-(\d{4})(?![\d-])")


def _yuan(match: re.Match[str]) -> str:
    return f"{match.group(1)}元"


def _dollars_cents(match: re.Match[str]) -> str:
    dollars = match.group(1).replace(",", "")
    cents = int(match.group(2))
    dollar_word = "dollar" if dollars == "1" else "dollars"
    if cents == 0:
        return f"{dollars} {dollar_word}"
    cent_word = "cent" if cents == 1 else "cents"
    return f"{dollars} {dollar_word} and {cents} {cent_word}"


def _spell_digits(digits: str) -> str:
    return " ".join(digits)


def _en_phone(match: re.Match[str]) -> str:
    groups = [g for g in match.groups() if g]
    return ", ".join(_spell_digits(g) for g in groups)


_ZH_FIXES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = ((_YUAN, _yuan),)
_EN_FIXES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_YUAN, lambda m: f"{m.group(1)} yuan"),
    (_DOLLARS_CENTS, _dollars_cents),
    (_EN_PHONE, _en_phone),
)


def fold_width(text: str) -> str:
    """Fold full-width letters, digits and spaces to ASCII."""
    return text.translate(_FULL_WIDTH_ALNUM)


class TextNormalizer:
    """Owns the two wetext normalisers, shared by every worker thread: wetext builds its working
    objects per call and its FSTs, read when wetext is imported, are only read (in C++, with the
    GIL held). `warm_up` runs one sentence of each language through every stage."""

    def __init__(self) -> None:
        self._zh = Normalizer(lang="zh", operator="tn", traditional_to_simple=True)
        self._en = Normalizer(lang="en", operator="tn")

    def warm_up(self) -> None:
        self.normalize("2026年11月24日，¥25.5，3.5℃。", "zh")
        self.normalize("It costs $25.50 on Nov 24, 2026.", "en")

    def normalize(self, text: str, lang: Lang) -> str:
        """Spoken form of `text`, read as `lang`; on an FST failure the text passes through."""
        text = fold_width(text)
        fixes = _ZH_FIXES if lang == "zh" else _EN_FIXES
        for pattern, replace in fixes:
            text = pattern.sub(replace, text)
        if lang == "zh":
            text = zh_rules.rewrite(text)
        normalizer = self._zh if lang == "zh" else self._en
        try:
            return normalizer.normalize(text)
        except Exception:  # wetext raises bare exceptions on odd input; never lose the text
            log.warning("normalize failed lang=%s chars=%d; using raw text", lang, len(text), exc_info=True)
            return text
