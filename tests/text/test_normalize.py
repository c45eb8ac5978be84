from __future__ import annotations

import pytest

from warmtts.text.normalize import TextNormalizer, fold_width


@pytest.fixture(scope="module")
def normalizer() -> TextNormalizer:
    return TextNormalizer()


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("2026年11月24日，银行行长说：我们长大了。", "二零二六年十一月二十四日，银行行长说：我们长大了。"),
        ("价格是¥25.5元", "价格是二十五点五元"),
        ("只要￥3", "只要三元"),
        ("温度-3.5℃", "温度负三点五摄氏度"),
        ("电话13812345678", "电话幺三八幺二三四五六七八"),
        ("我有2个苹果", "我有两个苹果"),
        ("這是繁體字", "这是繁体字"),
        ("比分3:2", "比分三比二"),
    ],
)
def test_chinese(normalizer: TextNormalizer, text: str, spoken: str) -> None:
    assert normalizer.normalize(text, "zh") == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("It costs $25.50.", "It costs twenty five dollars and fifty cents."),
        ("Only $1.01", "Only one dollar and one cent"),
        ("Exactly $3.00", "Exactly three dollars"),
        ("Call 555-1234.", "Call five five five, one two three four."),
        ("Call (555) 123-4567", "Call five five five, one two three, four five six seven"),
        ("I paid ¥30.", "I paid thirty yuan."),
    ],
)
def test_english(normalizer: TextNormalizer, text: str, spoken: str) -> None:
    assert normalizer.normalize(text, "en") == spoken


def test_full_width_letters_and_digits_fold_but_chinese_punctuation_stays() -> None:
    assert fold_width("ＧＰＵ１２，好。") == "GPU12，好。"
