"""Each Chinese reading rule, through the normaliser the engine calls, with its expected reading
(both what wetext already reads right and what our pre-rewrites fix)."""

from __future__ import annotations

import pytest

from warmtts.text.normalize import TextNormalizer


@pytest.fixture(scope="module")
def normalizer() -> TextNormalizer:
    return TextNormalizer()


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # numbers
        ("有123个", "有一百二十三个"),
        ("3.14", "三点一四"),
        ("-5度", "负五度"),
        ("GPT-5发布了", "GPT 五发布了"),  # a model number, not minus five
        ("COVID-19疫情", "COVID 十九疫情"),
        ("温度是-5度", "温度是负五度"),
        ("增长了50%", "增长了百分之五十"),
        ("下降-10%", "下降负百分之十"),
        ("5‰", "千分之五"),
        ("3/4的人", "四分之三的人"),
        ("1,000,000人", "一百万人"),
        # ranges
        ("3-5天", "三到五天"),
        ("10~20℃", "十到二十摄氏度"),
        ("1～3天", "一到三天"),
        ("第3-5章", "第三到五章"),
        # dates and times
        ("2026-11-24", "二零二六年十一月二十四日"),
        ("11/24", "十一月二十四日"),
        ("1998年", "一九九八年"),
        ("14:30", "十四点三十分"),
        ("下午3:45", "下午三点四十五分"),
        ("10:30分", "十点三十分"),
        # money
        ("€30", "三十欧元"),
        ("$20", "二十美元"),
        ("$1.5亿", "一点五亿美元"),
        ("5万元", "五万元"),
        # digit strings, digit by digit with 幺
        ("房间302", "房间三零二"),
        ("住在302室", "住在三零二室"),
        ("航班CA1234", "航班C A 幺二三四"),
        ("邮编100080", "邮编幺零零零八零"),
        ("拨打010-12345678", "拨打零幺零，幺二三四五六七八"),
        ("95后", "九五后"),
        # units and symbols
        ("5km", "五公里"),
        ("3kg", "三千克"),
        ("5×3", "五乘三"),
        ("研发&销售", "研发和销售"),
        ("王㐀&李四", "王㐀和李四"),  # a rare (Extension A) character is Han too
        # ordinals, scores, 二 and 两
        ("第1名", "第一名"),
        ("第2天", "第二天"),
        ("2公斤", "两公斤"),
        ("2倍", "两倍"),
        ("2点半", "两点半"),
        ("2年", "两年"),
        ("2年级", "二年级"),
        ("在2楼", "在二楼"),
        ("22个", "二十二个"),
        ("比分3:2", "比分三比二"),
        # width folding
        ("ＧＰＵ很贵", "GPU很贵"),
    ],
)
def test_chinese_readings(normalizer: TextNormalizer, text: str, spoken: str) -> None:
    assert normalizer.normalize(text, "zh") == spoken
