"""Spoken tones, as `warmtts pinyin --sandhi` prints them and the voice speaks them."""

from __future__ import annotations

import pytest

from warmtts.phonemes.pinyin_cli import pinyin_line
from warmtts.phonemes.zh_pinyin import ZhG2P


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # third tone, inside prosodic words and by the word's structure
        ("你好", "ni2 hao3"),
        ("我也很好", "wo2 ye3 hen2 hao3"),
        ("展览馆", "zhan2 lan2 guan3"),
        ("纸老虎", "zhi3 lao2 hu3"),
        ("买，好", "mai3 hao3"),  # no sandhi across a clause break
        # 一 and 不
        ("一个", "yi2 ge4"),
        ("一天", "yi4 tian1"),
        ("一年", "yi4 nian2"),
        ("第一", "di4 yi1"),
        ("十一月", "shi2 yi1 yue4"),
        ("看一看", "kan4 yi5 kan4"),
        ("不对", "bu2 dui4"),
        ("不好", "bu4 hao3"),
        ("好不好", "hao3 bu5 hao3"),
        # neutral tones
        ("妈妈", "ma1 ma5"),
        ("看看", "kan4 kan5"),
        ("常常", "chang2 chang2"),
        ("我们走吧", "wo3 men5 zou3 ba5"),
        # erhua
        ("花儿", "huar1"),
        ("一点儿", "yi4 dianr3"),
        ("女儿", "nv3 er2"),
    ],
)
def test_spoken_tones(g2p: ZhG2P, text: str, spoken: str) -> None:
    assert pinyin_line(g2p, text, sandhi=True) == spoken


def test_citation_tones_stay_without_sandhi(g2p: ZhG2P) -> None:
    assert pinyin_line(g2p, "我也很好，一个花儿不对") == "wo3 ye3 hen3 hao3 yi2 ge4 hua1 er2 bu4 dui4"
