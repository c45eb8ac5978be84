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
def frontend(mapper: dict, g2p: ZhG2P) -> ZhFrontend:
    return ZhFrontend(g2p, BakerPhonemizer(mapper["pinyin_dict"]))


@pytest.mark.parametrize(
    ("text", "pinyin"),
    [
        ("银行行长说", "yin2 hang2 hang2 zhang3 shuo1"),
        ("我们长大了", "wo3 men5 zhang3 da4 le5"),
        ("他在银行工作", "ta1 zai4 yin2 hang2 gong1 zuo4"),
        ("绿色", "lv4 se4"),
        ("二〇二六年", "er4 ling2 er4 liu4 nian2"),  # 〇 is read, not dropped
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
    assert analysis.marked_text == "银行行长#2说#3我们#1长大了"  # subject | verb is a phrase break
    assert analysis.phones[0] == "sil" and analysis.phones[-1] == "sil"
    assert "#3" in analysis.phones


def test_every_phone_is_in_the_model_table(frontend: ZhFrontend, mapper: dict) -> None:
    symbols = set(mapper["symbol_to_id"])
    for text in ["嗯，我知道了。", "一二三四五六七八九十", "哼！呣……", "你好吗？我很好，谢谢！"]:
        assert set(frontend.analyze(text).phones) <= symbols


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        # #2 before a conjunction and a preposition once the phrase is long enough
        ("我们提高效率和质量", "我们#1提高效率#2和质量"),
        ("他每天早上在公园里跑步", "他每天#1早上#2在公园里#1跑步"),
        # a localiser and a particle lean on the word before them
        ("城市里的人", "城市里的#1人"),
    ],
)
def test_phrase_marks_from_parts_of_speech(frontend: ZhFrontend, text: str, marked: str) -> None:
    assert frontend.analyze(text).marked_text == marked


def test_long_clause_is_split_with_a_phrase_and_a_clause_mark(frontend: ZhFrontend) -> None:
    text = "公司在全国各地的城市里建立了许多新的研发中心和生产基地以及销售网络"
    marks = [w.mark for w in frontend.analyze(text).words[:-1]]
    assert "#3" in marks and "#2" in marks
    assert frontend.analyze(text).phones.count("#3") == 1


def test_sandhi_reaches_the_phones(frontend: ZhFrontend) -> None:
    assert frontend.analyze("你好").phones == ["sil", "n", "i2", "#0", "h", "ao3", "sil"]
