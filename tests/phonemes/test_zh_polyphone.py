from __future__ import annotations

from pathlib import Path

import pytest

from bench.cpp_eval import pipeline_reading
from bench.cpp_folds import load
from warmtts.errors import LexiconError
from warmtts.phonemes.pinyin_cli import pinyin_line
from warmtts.phonemes.zh_lexicon import lexicon_readings, parse_lexicon
from warmtts.phonemes.zh_pinyin import ZhG2P

CPP = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "cpp"


@pytest.mark.parametrize(
    ("text", "pinyin"),
    [
        ("他长大了", "ta1 zhang3 da4 le5"),
        ("这条路很长", "zhe4 tiao2 lu4 hen3 chang2"),
        ("我还没还钱", "wo3 hai2 mei2 huan2 qian2"),
        ("他跑得很快", "ta1 pao3 de5 hen3 kuai4"),
        ("我得走了", "wo3 dei3 zou3 le5"),
        ("音乐让人快乐", "yin1 yue4 rang4 ren2 kuai4 le4"),
        ("重新开始很重要", "chong2 xin1 kai1 shi3 hen3 zhong4 yao4"),
        ("我觉得睡觉很好", "wo3 jue2 de5 shui4 jiao4 hen3 hao3"),
        ("绿色的女孩", "lv4 se4 de5 nv3 hai2"),
        ("一切都会好起来的", "yi1 qie4 dou1 hui4 hao3 qi3 lai2 de5"),  # 都会 is not a word here
        ("你先别着急", "ni3 xian1 bie2 zhao2 ji2"),  # 着急: both dictionaries against g2pM
    ],
)
def test_polyphones_in_context(g2p: ZhG2P, text: str, pinyin: str) -> None:
    assert pinyin_line(g2p, text) == pinyin


def test_user_lexicon_overrides_the_model() -> None:
    lexicon = parse_lexicon("# comment\n\n重庆 chong2 qing4\n长 zhang3\n")
    g2p = ZhG2P(lexicon)
    assert pinyin_line(g2p, "重庆的路很长") == "chong2 qing4 de5 lu4 hen3 zhang3"


def test_lexicon_longest_match_wins() -> None:
    readings = lexicon_readings("银行行长", {"行长": ("xing2", "chang2"), "银行行长": ("a1", "b1", "c1", "d1")})
    assert readings == {0: "a1", 1: "b1", 2: "c1", 3: "d1"}


@pytest.mark.parametrize("line", ["行长 hang2", "行长 hang zhang", "行长 hang2 zhang3 x1"])
def test_lexicon_rejects_bad_lines(line: str) -> None:
    with pytest.raises(LexiconError, match=":1:"):
        parse_lexicon(line)


@pytest.mark.skipif(not (CPP / "dev.sent").is_file(), reason="CPP data folder absent")
def test_cpp_dev_subset_accuracy(g2p: ZhG2P) -> None:
    """A regression guard, not a figure: the shipped policy was learned on this split
    (held-out figures come from `python -m bench.cpp_eval`)."""
    examples = load(CPP)[::10]
    wrong = [(e.text, e.label, r) for e in examples if (r := pipeline_reading(g2p, e)) != e.label]
    assert len(examples) == 990
    assert len(wrong) <= 0.02 * len(examples), wrong[:10]
