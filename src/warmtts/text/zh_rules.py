"""Pre-rewrites for Chinese text that wetext reads wrongly, each into a form it reads right.

wetext gets integers, decimals, percentages, fractions, dates, times, units, scores and most
money right; these rules cover what it misses: digit strings read digit by digit (rooms,
flights, postcodes, account numbers; 1 as 幺), 2 as 两 before measure words, 第N ranges,
thousands separators, foreign money with 万/亿, negative percentages, ‰, & between words, and
model numbers after a hyphen (GPT-5 is not GPT负五).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from warmtts.text.scripts import HAN

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_DIGITS_YAO = str.maketrans("0123456789", "零幺二三四五六七八九")
_CODE_WORDS = "房间|房号|房|室|号房|航班|车次|邮编|QQ号?|微信号|账号|卡号|单号|订单号|工号|学号|编号|验证码|密码|身份证号?|分机"
_MEASURES = (
    "个|位|名|件|张|条|只|本|辆|台|家|种|句|部|周|份|瓶|杯|碗|双|对|间|座|节|场|遍|顿|次|倍|"
    "公斤|斤|吨|公里|千米|米|分钟|小时|秒|天|年(?!级)|岁|点(?!\\d)|种|块|元|层楼|架|棵|所|把|篇|门|项|回"
)
_CURRENCY = {"$": "美元", "€": "欧元", "£": "英镑"}


def _spell(digits: str) -> str:
    return digits.translate(_DIGITS_YAO)


def _code(match: re.Match[str]) -> str:
    return match.group(1) + _spell(match.group(2))


def _code_after(match: re.Match[str]) -> str:
    return _spell(match.group(1)) + match.group(2)


def _flight(match: re.Match[str]) -> str:
    return " ".join(match.group(1)) + " " + _spell(match.group(2))


RULES: tuple[Rule, ...] = (
    # 1,000,000 → 1000000: wetext reads the commas as pauses between digit groups.
    (re.compile(r"(?<=\d),(?=\d{3}(?!\d))"), lambda m: ""),
    # 房间302 → 房间三零二, 邮编100080 → 邮编幺零零零八零
    (re.compile(rf"({_CODE_WORDS})\s*[:：]?\s*(\d{{3,}})"), _code),
    # 302室 / 302房间 → 三零二室
    (re.compile(r"(?<![\d.])(\d{3,5})(房间|室|号房)"), _code_after),
    # CA1234 → C A 幺二三四 (two capitals, then 3 or 4 digits: a flight or train number)
    (re.compile(r"(?<![A-Za-z])([A-Z]{2}|[A-Z]\d)(\d{3,4})(?![\d.])"), _flight),
    # 010-12345678 → landline numbers, digit by digit
    (re.compile(r"(?<![\d-])(0\d{2,3})-(\d{7,8})(?![\d-])"), lambda m: _spell(m.group(1)) + "，" + _spell(m.group(2))),
    # 95后 / 00后 → 九五后: a generation, read digit by digit
    (re.compile(r"(?<![\d.])(\d0|\d5)后"), lambda m: m.group(1).translate(str.maketrans("0123456789", "零一二三四五六七八九")) + "后"),
    # 第3-5章 → 第3到5章
    (re.compile(r"第(\d+)\s*[-~～]\s*(\d+)"), lambda m: f"第{m.group(1)}到{m.group(2)}"),
    # 第2天 → 第二天: an ordinal is never 两 (wetext says 第两天)
    (re.compile(r"第2(?!\d)"), lambda m: "第二"),
    # 2公斤 / 2倍 / 2点 → 两: a lone 2 before a measure word
    (re.compile(rf"(?<![\d.第])2(?=(?:{_MEASURES}))"), lambda m: "两"),
    # $1.5亿 → 1.5亿美元
    (re.compile(r"([$€£])\s*(\d+(?:\.\d+)?)\s*([万亿])"), lambda m: f"{m.group(2)}{m.group(3)}{_CURRENCY[m.group(1)]}"),
    # GPT-5 / COVID-19 → GPT 5: a hyphen after a Latin name joins a model number, not a minus sign
    (re.compile(r"(?<=[A-Za-z])-(?=\d)"), lambda m: " "),
    # -10% → 负10%: wetext says 百分之负十
    (re.compile(r"(?<![\d.])-(\d+(?:\.\d+)?)%"), lambda m: f"负{m.group(1)}%"),
    # 5‰ → 千分之5
    (re.compile(r"(\d+(?:\.\d+)?)‰"), lambda m: f"千分之{m.group(1)}"),
    # 研发&销售 → 研发和销售; 14:30分 → 14:30 (wetext reads 十比三零分)
    (re.compile(rf"(?<={HAN.pattern})\s*&\s*(?={HAN.pattern})"), lambda m: "和"),
    (re.compile(r"(\d{1,2}:\d{2})分"), lambda m: m.group(1)),
    # ～ (full width) is the range tilde; wetext knows only ~
    (re.compile("～"), lambda m: "~"),
)


def rewrite(text: str) -> str:
    for pattern, replace in RULES:
        text = pattern.sub(replace, text)
    return text
