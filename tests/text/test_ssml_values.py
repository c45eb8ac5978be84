"""SSML attribute values read into numbers (the parser's tests cover where errors are placed)."""

from __future__ import annotations

import pytest

from warmtts.text import ssml_values as values


@pytest.mark.parametrize(("value", "factor"), [("slow", 0.75), ("80%", 0.8), ("+20%", 1.2), ("-50%", 0.5), ("1.5", 1.5)])
def test_rates(value: str, factor: float) -> None:
    assert values.rate(value) == pytest.approx(factor)


@pytest.mark.parametrize("value", ["-5", "0%", "11", "quick", "+2"])
def test_bad_rates(value: str) -> None:
    with pytest.raises(ValueError, match="prosody rate"):
        values.rate(value)


def test_breaks() -> None:
    assert values.break_seconds("500ms", "x-strong") == 0.5  # time wins
    assert values.break_seconds(None, "strong") == 0.7
    assert values.break_seconds(None, None) == values.BREAK_STRENGTHS["medium"]
    with pytest.raises(ValueError, match="longer than 10s"):
        values.break_seconds("11s", None)
    with pytest.raises(ValueError, match="not one of"):
        values.break_seconds(None, "loud")


def test_languages_and_pinyin() -> None:
    assert values.language("zh-CN") == "zh" and values.language(" EN_us ") == "en"
    with pytest.raises(ValueError, match="language tag"):
        values.language("中文")
    assert values.pinyin("lv4 se4", 2) == "lv4 se4"
    with pytest.raises(ValueError, match="2 syllables for 1 Han"):
        values.pinyin("yin2 hang2", 1)
    with pytest.raises(ValueError, match="tone number"):
        values.pinyin("yinhang", 1)
