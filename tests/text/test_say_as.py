from __future__ import annotations

import re

import pytest

from warmtts.text.normalize import TextNormalizer
from warmtts.text.say_as import en_ordinal, expand, zh_number


@pytest.fixture(scope="module")
def normalizer() -> TextNormalizer:
    return TextNormalizer()


# (text, interpret-as, lang, format, what expand writes, what the normaliser then reads)
CASES = [
    ("ABC", "characters", "en", None, "A-B-C", "A-B-C"),
    ("abc", "spell-out", "zh", None, "A-B-C", "A-B-C"),
    ("a1b", "characters", "en", None, "A-one-B", "A-one-B"),
    ("a1b", "characters", "zh", None, "A 一 B", "A 一 B"),
    ("2026", "digits", "zh", None, "二零二六", "二零二六"),
    ("2026", "digits", "en", None, "two zero two six", "two zero two six"),
    ("110", "telephone", "zh", None, "幺幺零", "幺幺零"),
    ("13800138000", "telephone", "zh", None, "幺三八零零幺三八零零零", "幺三八零零幺三八零零零"),
    ("010-12345678", "telephone", "zh", None, "零幺零，幺二三四五六七八", "零幺零，幺二三四五六七八"),
    ("+86 138", "telephone", "zh", "86", "加八六，幺三八", "加八六，幺三八"),
    ("555-1234", "telephone", "en", None, "five five five, one two three four", "five five five, one two three four"),
    ("(555) 123-4567", "telephone", "en", "1", "five five five, one two three, four five six seven",
     "five five five, one two three, four five six seven"),
    ("2026", "cardinal", "zh", None, "两千零二十六", "两千零二十六"),
    ("110", "cardinal", "zh", None, "一百一十", "一百一十"),
    ("100010000", "cardinal", "zh", None, "一亿零一万", "一亿零一万"),
    ("10005", "cardinal", "zh", None, "一万零五", "一万零五"),
    ("-3.5", "cardinal", "zh", None, "负三点五", "负三点五"),
    ("2026", "cardinal", "en", None, "two thousand twenty six", "two thousand twenty six"),
    ("1,234,567", "cardinal", "en", None, "one million two hundred thirty four thousand five hundred sixty seven",
     "one million two hundred thirty four thousand five hundred sixty seven"),
    ("-0.25", "cardinal", "en", None, "minus zero point two five", "minus zero point two five"),
    ("3", "ordinal", "zh", None, "第三", "第三"),
    ("2", "ordinal", "zh", None, "第二", "第二"),
    ("3", "ordinal", "en", None, "third", "third"),
    ("22nd", "ordinal", "en", None, "twenty second", "twenty second"),
    ("111", "ordinal", "en", None, "one hundred eleventh", "one hundred eleventh"),
    ("40", "ordinal", "en", None, "fortieth", "fortieth"),
    ("2026-11-28", "date", "zh", None, "二零二六年十一月二十八日", "二零二六年十一月二十八日"),
    ("2026-11-28", "date", "en", "ymd", "November twenty eighth, twenty twenty six",
     "November twenty eighth, twenty twenty six"),
    ("11/28/2026", "date", "en", "mdy", "November twenty eighth, twenty twenty six",
     "November twenty eighth, twenty twenty six"),
    ("28.11.2026", "date", "zh", "dmy", "二零二六年十一月二十八日", "二零二六年十一月二十八日"),
    ("2-29", "date", "en", "md", "February twenty ninth", "February twenty ninth"),
    ("1905", "date", "en", "y", "nineteen oh five", "nineteen oh five"),
    ("2005", "date", "en", "y", "two thousand five", "two thousand five"),
    ("14:30", "time", "zh", None, "十四点三十分", "十四点三十分"),
    ("14:05:09", "time", "zh", "hms12", "下午两点零五分九秒", "下午两点零五分九秒"),
    ("14:30", "time", "en", None, "two thirty PM", "two thirty PM"),
    ("09:05", "time", "en", None, "nine oh five AM", "nine oh five AM"),
    ("14:00", "time", "en", "hms24", "fourteen hundred", "fourteen hundred"),
]


@pytest.mark.parametrize(("text", "kind", "lang", "fmt", "written", "read"), CASES)
def test_expand_and_normaliser_reading(
    normalizer: TextNormalizer, text: str, kind: str, lang: str, fmt: str | None, written: str, read: str
) -> None:
    assert expand(text, kind, lang, fmt) == written  # type: ignore[arg-type]
    assert normalizer.normalize(written, lang) == read  # type: ignore[arg-type]


def test_say_as_overrides_what_the_normaliser_would_guess(normalizer: TextNormalizer) -> None:
    # Without say-as wetext reads these differently; that is why say-as spells them itself.
    assert normalizer.normalize("2026", "en") == "twenty twenty six"
    assert normalizer.normalize("110", "zh") == "幺幺零"
    assert expand("2026", "cardinal", "en") == "two thousand twenty six"
    assert expand("110", "cardinal", "zh") == "一百一十"


@pytest.mark.parametrize(
    ("value", "liang", "words"),
    [(0, True, "零"), (10, True, "十"), (15, True, "十五"), (20, True, "二十"), (200, True, "两百"),
     (200, False, "二百"), (1001, True, "一千零一"), (22000, True, "两万二千"), (100000, True, "十万"),
     (10000001, True, "一千万零一"), (200000000, True, "两亿")],
)
def test_zh_number(value: int, liang: bool, words: str) -> None:
    assert zh_number(value, liang) == words


@pytest.mark.parametrize(("value", "words"), [(1, "first"), (12, "twelfth"), (20, "twentieth"), (103, "one hundred third")])
def test_en_ordinal(value: int, words: str) -> None:
    assert en_ordinal(value) == words


@pytest.mark.parametrize(
    ("text", "kind", "fmt", "problem"),
    [
        ("12abc", "cardinal", None, "say-as cardinal expects a number, got '12abc'"),
        ("1" * 16, "cardinal", None, "too large"),
        ("x", "ordinal", None, "say-as ordinal expects a whole number, got 'x'"),
        ("12a", "digits", None, "say-as digits expects digits, got '12a'"),
        ("2026-13-01", "date", None, "month 13 is not 1 to 12"),
        ("2026-02-30", "date", None, "day 30 is not in the month"),
        ("2026-11", "date", "ymd", "does not match format 'ymd'"),
        ("2026-11-28", "date", "yyyy", "say-as date format 'yyyy' is not one of"),
        ("25:00", "time", None, "is not a time of day"),
        ("2pm", "time", None, "expects hh:mm or hh:mm:ss"),
        ("14:30", "time", "hms", "say-as time format 'hms' is not one of hms12, hms24"),
        ("110", "telephone", "x", "must be a country code"),
        ("3", "cardinal", "x", "say-as cardinal takes no format"),
        ("  ", "digits", None, "say-as digits has no text"),
    ],
)
def test_expand_refuses_what_does_not_fit(text: str, kind: str, fmt: str | None, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        expand(text, kind, "en", fmt)
