from __future__ import annotations

from warmtts.phonemes.zh_phrase_votes import PhraseVotes, parse_cedict

LINES = [
    "phrases_dict = {\n",
    "    '行长': [['háng'], ['zhǎng']],\n",
    "    '长行': [['cháng', 'zhǎng'], ['xíng']],\n",
    "    '中国': [['zhōng'], ['guó']],\n",  # no polyphone: never votes, not kept
    "    '行': [['xíng']],\n",  # one character: not a phrase
    "    '行不': [['xíng']],\n",  # readings do not match the characters
    "}\n",
]


def test_parse_keeps_phrases_with_a_polyphone_and_their_first_readings() -> None:
    assert parse_cedict(iter(LINES), polyphones={"行", "长"}) == {"行长": "háng zhǎng", "长行": "cháng xíng"}


def test_a_dictionary_votes_only_when_its_phrases_agree() -> None:
    votes = PhraseVotes({"行长": "háng zhǎng", "银行": "yín háng"}, phrases={"行长": [["háng"], ["zhǎng"]]})
    both = {"pypinyin": "hang2", "cedict": "hang2"}
    assert votes.votes("银行长", 1) == both  # cedict: 银行 and 行长 agree; pypinyin: 行长
    assert votes.votes("行长", 0) == both
    odd = PhraseVotes({"行长": "háng zhǎng"}, phrases={"行长": [["xíng"], ["zhǎng"]]})
    assert odd.votes("行长", 0) == {"pypinyin": "xing2", "cedict": "hang2"}
    erhua = PhraseVotes({"女孩儿": "nǚ hái er", "儿子": "ér zi"}, phrases={})
    assert erhua.votes("女孩儿", 2) == {}  # the suffix's toneless spelling is no reading
    assert erhua.votes("儿子", 0) == {"cedict": "er2"}
    split = PhraseVotes({"行长": "háng zhǎng", "银行": "yín xíng"}, phrases={})
    assert split.votes("银行长", 1) == {}  # two phrases, two readings: it abstains
    assert split.votes("长", 0) == {}


def test_the_builtin_tables_load() -> None:
    votes = PhraseVotes.builtin(polyphones={"行", "长", "了"})
    assert votes.votes("银行行长", 2) == {"pypinyin": "hang2", "cedict": "hang2"}
    assert "liao3" in votes.votes("了解", 0).values()
