from __future__ import annotations

import json

import pytest

from warmtts.phonemes.baker_phones import BakerPhonemizer
from warmtts.phonemes.zh_frontend import ZhFrontend
from warmtts.phonemes.zh_pinyin import ZhG2P
from warmtts.voices.baker import DATA_DIR


@pytest.fixture(scope="module")
def mapper() -> dict:
    return json.loads((DATA_DIR / "baker_mapper.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def frontend(mapper: dict) -> ZhFrontend:
    g2p = ZhG2P()
    g2p.warm_up()
    return ZhFrontend(g2p, BakerPhonemizer(mapper["pinyin_dict"]))


@pytest.mark.parametrize(
    ("text", "pinyin"),
    [
        ("银行行长说", "yin2 hang2 hang2 zhang3 shuo1"),
        ("我们长大了", "wo3 men5 zhang3 da4 le5"),
        ("他在银行工作", "ta1 zai4 yin2 hang2 gong1 zuo4"),
        ("绿色", "lv4 se4"),
    ],
)
def test_pinyin_in_context(frontend: ZhFrontend, text: str, pinyin: str) -> None:
    assert frontend.analyze(text).pinyin == pinyin


def test_erhua_merges_but_real_er_stays(frontend: ZhFrontend) -> None:
    assert frontend.analyze("看花儿").pinyin == "kan4 huar1"
    assert frontend.analyze("我的女儿").pinyin == "wo3 de5 nv3 er2"
    phones = frontend.analyze("看花儿").phones
    assert phones[-4:] == ["h", "ua1", "er5", "sil"]


def test_prosody_marks_between_words_and_clauses(frontend: ZhFrontend) -> None:
    analysis = frontend.analyze("银行行长说：我们长大了。")
    assert analysis.marked_text == "银行行长#1说#3我们#1长大了"
    assert analysis.phones[0] == "sil" and analysis.phones[-1] == "sil"
    assert "#3" in analysis.phones


def test_every_phone_is_in_the_model_table(frontend: ZhFrontend, mapper: dict) -> None:
    symbols = set(mapper["symbol_to_id"])
    for text in ["嗯，我知道了。", "一二三四五六七八九十", "哼！呣……", "你好吗？我很好，谢谢！"]:
        assert set(frontend.analyze(text).phones) <= symbols
