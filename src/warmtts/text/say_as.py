"""SSML `<say-as>`: rewrite its text into words, so the normaliser has nothing left to guess.

Chinese comes out as Han numerals (二零二六, 两千零二十六, 十四点三十分) and English as words
(two zero two six, two thousand twenty six), both of which wetext passes through unchanged; we
spell numbers ourselves because wetext's guesses are what say-as overrides (it reads a bare
"2026" in English as a year and "110" in Chinese digit by digit). Letters are spelled joined by
hyphens ("A-B-C"): espeak reads "A B" as the article "a" followed by "bee".
"""

from __future__ import annotations

import calendar
import re
from typing import Literal

from warmtts.text.scripts import HAN

Lang = Literal["zh", "en"]

INTERPRETATIONS = frozenset(
    {"characters", "spell-out", "digits", "cardinal", "ordinal", "telephone", "date", "time"}
)
DATE_FORMATS = frozenset({"ymd", "mdy", "dmy", "ydm", "md", "dm", "ym", "my", "y", "m", "d"})
TIME_FORMATS = frozenset({"hms24", "hms12"})

_ZH_DIGITS = "零一二三四五六七八九"
_ZH_PHONE_DIGITS = "零幺二三四五六七八九"
_EN_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_EN_GROUPS = ("", "thousand", "million", "billion", "trillion")
_ZH_GROUPS = ("", "万", "亿", "万亿")
_EN_ORDINAL = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}
_MONTHS = (
    "_ January February March April May June July August September October November December"
).split()  # not calendar.month_name, which follows the process's locale
_NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th|\.)?", re.IGNORECASE)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_GROUP_SEPARATORS = re.compile(r"[\s\-./()]+")
_LIMIT = 10**15


def expand(text: str, interpret_as: str, lang: Lang, format: str | None = None) -> str:
    """`text` read as `interpret_as` in `lang`; ValueError says what does not fit."""
    text = text.strip()
    if not text:
        raise ValueError(f"say-as {interpret_as} has no text")
    if interpret_as in ("date", "time", "telephone"):
        _check_format(interpret_as, format)
    elif format is not None:
        raise ValueError(f"say-as {interpret_as} takes no format (got {format!r})")
    if interpret_as in ("characters", "spell-out"):
        return _characters(text, lang)
    if interpret_as in ("digits", "telephone"):
        return _digit_groups(text, lang, phone=interpret_as == "telephone")
    if interpret_as == "cardinal":
        return _cardinal(text, lang)
    if interpret_as == "ordinal":
        return _ordinal(text, lang)
    if interpret_as == "date":
        return _date(text, lang, format or "ymd")
    if interpret_as == "time":
        return _time(text, lang, format)
    raise ValueError(f"say-as interpret-as={interpret_as!r} is not supported")


def _check_format(interpret_as: str, format: str | None) -> None:
    if format is None:
        return
    if interpret_as == "date" and format not in DATE_FORMATS:
        raise ValueError(f"say-as date format {format!r} is not one of {', '.join(sorted(DATE_FORMATS))}")
    if interpret_as == "time" and format not in TIME_FORMATS:
        raise ValueError(f"say-as time format {format!r} is not one of hms12, hms24")
    if interpret_as == "telephone" and not format.isdigit():
        raise ValueError(f"say-as telephone format {format!r} must be a country code (digits)")


def _characters(text: str, lang: Lang) -> str:
    """Letters hyphen-joined (espeak spells "A-B-C"); digits as words; Han as it is."""
    tokens: list[tuple[bool, str]] = []  # (is a Latin letter, token)
    for ch in text:
        if ch.isspace():
            continue
        if ch.isdecimal():
            tokens.append((False, _digit_word(int(ch), lang, phone=False)))
        elif ch.isascii() and ch.isalpha():
            tokens.append((True, ch.upper()))
        else:
            tokens.append((False, ch))
    if lang == "en":
        return "-".join(token for _, token in tokens)
    out = tokens[0][1]
    for (was_letter, _), (is_letter, token) in zip(tokens, tokens[1:]):
        out += ("-" if was_letter and is_letter else " ") + token
    return out


def _digit_word(digit: int, lang: Lang, phone: bool) -> str:
    if lang == "en":
        return _EN_ONES[digit]
    return (_ZH_PHONE_DIGITS if phone else _ZH_DIGITS)[digit]


def _digit_groups(text: str, lang: Lang, phone: bool) -> str:
    """Digit by digit; separators in the text (- . / space, brackets) become short pauses."""
    plus = text.startswith("+")
    groups = [g for g in _GROUP_SEPARATORS.split(text.removeprefix("+")) if g]
    if not groups or not all(g.isdecimal() for g in groups):
        kind = "telephone" if phone else "digits"
        raise ValueError(f"say-as {kind} expects digits, got {text!r}")
    if lang == "en":
        spoken = ", ".join(" ".join(_digit_word(int(d), lang, phone) for d in g) for g in groups)
        return ("plus " if plus else "") + spoken
    spoken = "，".join("".join(_digit_word(int(d), lang, phone) for d in g) for g in groups)
    return ("加" if plus else "") + spoken


def _parse_number(text: str) -> tuple[bool, int, str]:
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise ValueError(f"say-as cardinal expects a number, got {text!r}")
    value = int(match.group(2).replace(",", ""))
    if value >= _LIMIT:
        raise ValueError(f"say-as cardinal: {text!r} is too large (at most 15 digits)")
    return match.group(1) == "-", value, match.group(3) or ""


def _cardinal(text: str, lang: Lang) -> str:
    negative, value, decimals = _parse_number(text)
    if lang == "en":
        words = _en_number(value)
        if decimals:
            words += " point " + " ".join(_EN_ONES[int(d)] for d in decimals)
        return ("minus " if negative else "") + words
    words = zh_number(value)
    if decimals:
        words += "点" + "".join(_ZH_DIGITS[int(d)] for d in decimals)
    return ("负" if negative else "") + words


def _ordinal(text: str, lang: Lang) -> str:
    match = _ORDINAL.fullmatch(text)
    if match is None or int(match.group(1)) >= _LIMIT:
        raise ValueError(f"say-as ordinal expects a whole number, got {text!r}")
    value = int(match.group(1))
    if lang == "en":
        return en_ordinal(value)
    return "第" + zh_number(value, liang=False)


def zh_number(value: int, liang: bool = True) -> str:
    """A whole number in Chinese numerals; a leading 2 of 百 or more is 两 when `liang`."""
    if value == 0:
        return "零"
    sections: list[int] = []
    while value:
        sections.append(value % 10000)
        value //= 10000
    out = ""
    zero_pending = False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or section < 1000):
            out += "零"
        out += _zh_section(section) + _ZH_GROUPS[index]
        zero_pending = False
    if out.startswith("一十"):
        out = out[1:]
    if liang and out.startswith("二") and out[1:2] in ("百", "千", "万", "亿"):
        out = "两" + out[1:]
    return out


def _zh_section(value: int) -> str:
    """1..9999 in Chinese numerals, inner zeros read once (一千零五)."""
    out = ""
    zero_pending = False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // place % 10
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out += "零"
            zero_pending = False
        out += _ZH_DIGITS[digit] + unit
    return out


def _en_number(value: int) -> str:
    if value == 0:
        return "zero"
    words: list[str] = []
    group = 0
    while value:
        value, part = divmod(value, 1000)
        if part:
            words.insert(0, (_en_under_1000(part) + " " + _EN_GROUPS[group]).strip())
        group += 1
    return " ".join(words)


def _en_under_1000(value: int) -> str:
    hundreds, rest = divmod(value, 100)
    words = [_EN_ONES[hundreds], "hundred"] if hundreds else []
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_EN_TENS[tens])
        if ones:
            words.append(_EN_ONES[ones])
    elif rest:
        words.append(_EN_ONES[rest])
    return " ".join(words)


def en_ordinal(value: int) -> str:
    words = _en_number(value).split()
    last = words[-1]
    if last in _EN_ORDINAL:
        words[-1] = _EN_ORDINAL[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _en_year(year: int) -> str:
    """Years as people say them: nineteen oh five, two thousand five, twenty twenty six."""
    high, low = divmod(year, 100)
    if year < 1000 or (high % 10 == 0 and low < 10):
        return _en_number(year)
    if low == 0:
        return _en_number(high) + " hundred"
    return _en_number(high) + (" oh " if low < 10 else " ") + _en_number(low)


def _date(text: str, lang: Lang, format: str) -> str:
    fields = [f for f in re.split(r"[-/.,\s年月日]+", text) if f]
    if len(fields) != len(format) or not all(f.isdecimal() for f in fields):
        raise ValueError(f"say-as date {text!r} does not match format {format!r}")
    parts = dict(zip(format, (int(f) for f in fields)))
    year, month, day = parts.get("y"), parts.get("m"), parts.get("d")
    if year is not None and not 1 <= year <= 9999:
        raise ValueError(f"say-as date: year {year} is out of range")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"say-as date: month {month} is not 1 to 12")
    if day is not None:
        last = calendar.monthrange(year or 2000, month)[1] if month is not None else 31
        if not 1 <= day <= last:
            raise ValueError(f"say-as date: day {day} is not in the month")
    if lang == "zh":
        out = ""
        if year is not None:
            out += "".join(_ZH_DIGITS[int(d)] for d in str(year)) + "年"
        if month is not None:
            out += zh_number(month, liang=False) + "月"
        if day is not None:
            out += zh_number(day, liang=False) + "日"
        return out
    words: list[str] = []
    if month is not None:
        words.append(_MONTHS[month])
    if day is not None:
        words.append(en_ordinal(day))
    if year is not None:
        if words and day is not None:
            words[-1] += ","
        words.append(_en_year(year))
    return " ".join(words)


def _time(text: str, lang: Lang, format: str | None) -> str:
    """24-hour by default in Chinese (十四点三十分), 12-hour in English (two thirty PM)."""
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"say-as time expects hh:mm or hh:mm:ss, got {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3)) if match.group(3) else 0
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"say-as time {text!r} is not a time of day")
    twelve = format == "hms12" or (format is None and lang == "en")
    if lang == "zh":
        return _zh_time(hour, minute, second, twelve)
    return _en_time(hour, minute, second, twelve)


def _zh_time(hour: int, minute: int, second: int, twelve: bool) -> str:
    period = ""
    if twelve:
        period = "凌晨" if hour < 6 else "上午" if hour < 12 else "中午" if hour == 12 else "下午" if hour < 18 else "晚上"
        hour = hour % 12 or 12
    out = period + ("两" if hour == 2 else zh_number(hour)) + "点"
    if minute:
        out += ("零" if minute < 10 else "") + zh_number(minute, liang=False) + "分"
    if second:
        out += zh_number(second, liang=False) + "秒"
    return out


def _en_time(hour: int, minute: int, second: int, twelve: bool) -> str:
    suffix = ""
    if twelve:
        suffix = " AM" if hour < 12 else " PM"
        hour = hour % 12 or 12
    words = _en_number(hour)
    if minute:
        words += (" oh " if minute < 10 else " ") + _en_number(minute)
    elif not twelve:
        words += " hundred"
    words += suffix
    if second:
        words += " and " + _en_number(second) + (" second" if second == 1 else " seconds")
    return words


def default_lang(text: str) -> Lang:
    """The language say-as reads in when its voicing names none: Chinese if any Han."""
    return "zh" if HAN.search(text) else "en"
