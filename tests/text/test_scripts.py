from __future__ import annotations

from warmtts.text.scripts import HAN, HAN_RUN


def test_han_covers_rare_and_compatibility_ideographs_and_zero_but_not_punctuation() -> None:
    assert HAN_RUN.fullmatch("中文㐀䶵﨑〇")  # common, Extension A, compatibility, ideographic zero
    assert [c for c in "。，！、「」ＡA1ー" if HAN.match(c)] == []
