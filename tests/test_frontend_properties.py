"""Whatever the text, the frontend neither raises nor emits a phoneme its voice lacks."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warmtts.engine import Engine

# Arbitrary Unicode, plus a bias towards the scripts and symbols users actually send.
MIXED = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("银行行长说了的一不儿，。！？：；“”‘’（）《》【】…—、%¥$€℃×~-+/.:,;!?\"'()[]{}<>@#&*^_=|\\`")),
        st.sampled_from(list("0123456789 ABCxyzあいうカタナабвгдمرحبا😀🎉\u200b\u00a0\t\n\r\x00\x07\x1b")),
    ),
    max_size=80,
)
EXTREMES = [
    "",
    "😀" * 50,
    "1" * 400,
    "3.14159" * 30,
    "a" * 500,
    "Pneumonoultramicroscopicsilicovolcanoconiosis" * 5,
    "\x00\x01\x02\x1f\x7f",
    "((([[[“「『《",
    "」』》]]])))”",
    "日本語のテキストと中文和English和русский текст и العربية",
    "¥¥¥$$$%%%℃℃",
    "-" * 200,
    "。" * 200,
    "12:34:56:78",
    "2026-13-45",
    "+86 138 0013 8000",
]


def check(engine: Engine, text: str) -> None:
    for voice in ("zh-baker", "en-joe"):
        for piece in engine.analyze(text, voice):
            for run in piece.runs:
                symbols = engine.voices.get(run.voice).symbols
                unknown = set(run.phonemized.phonemes) - symbols
                assert not unknown, f"{run.voice} has no phonemes {unknown} (text {text!r})"


@pytest.mark.parametrize("text", EXTREMES)
def test_extreme_inputs(engine: Engine, text: str) -> None:
    check(engine, text)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(text=MIXED)
def test_arbitrary_unicode(engine: Engine, text: str) -> None:
    check(engine, text)
