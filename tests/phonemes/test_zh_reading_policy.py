from __future__ import annotations

from warmtts.phonemes.pinyin_cli import pinyin_line
from warmtts.phonemes.zh_evidence import Evidence
from warmtts.phonemes.zh_pinyin import BUILTIN_POLICY, ZhG2P
from warmtts.phonemes.zh_polyphone import Guess
from warmtts.phonemes.zh_reading_policy import LearnOptions, ReadingPolicy, learn


def evidence(char: str = "行", guess: str = "xing2", confidence: float = 0.99, votes: dict[str, int] | None = None,
             phrase: str | None = None, rule: str | None = None, word: str = "行") -> Evidence:
    return Evidence(char, word, 0, "n", "", "", "xing2", phrase, Guess(guess, confidence), rule, votes or {})


def test_votes_win_only_against_an_unsure_model() -> None:
    policy = ReadingPolicy(vote_min=2, vote_below=0.999, default="votes")
    assert policy.read(evidence(confidence=0.99, votes={"hang2": 2})) == "hang2"
    assert policy.read(evidence(confidence=0.9999, votes={"hang2": 2})) == "xing2"
    assert policy.read(evidence(confidence=0.99, votes={"hang2": 1})) == "xing2"
    assert policy.read(evidence(confidence=0.99, votes={"hang2": 2, "xing2": 1})) == "xing2"  # split vote
    assert ReadingPolicy(default="model").read(evidence(confidence=0.5, phrase="hang2")) == "xing2"


def test_learn_follows_the_data() -> None:
    """Dictionaries right against g2pM below 0.999 and wrong above it: the learned policy trusts
    them exactly there; with the labels the other way round it never does."""
    unsure = [(evidence(confidence=0.99, votes={"hang2": 2}), "hang2")] * 30
    sure = [(evidence(confidence=0.99999, votes={"hang2": 2}), "xing2")] * 30
    policy = learn(unsure + sure)
    assert policy.default.endswith("votes") and 0.99 < policy.vote_below <= 0.99999
    assert [policy.read(ev) for ev, _ in (unsure[0], sure[0])] == ["hang2", "xing2"]
    flipped = learn([(ev, "xing2") for ev, _ in unsure])
    assert flipped.read(unsure[0][0]) == "xing2"


def test_learn_keeps_a_word_reading_only_when_seen_often_and_alike() -> None:
    wrong = [(evidence(word="行业", confidence=1.0), "hang2")] * 3
    assert learn(wrong).word_readings == {("行业", 0): "hang2"}
    assert learn(wrong[:2]).word_readings == {}
    assert learn(wrong + [(evidence(word="行业", confidence=1.0), "xing2")]).word_readings == {}
    assert learn(wrong, LearnOptions(min_word_count=4)).word_readings == {}


def test_policy_survives_json_and_the_shipped_one_loads() -> None:
    policy = ReadingPolicy(0.9, 1, 0.999, "rule+votes", {"行": "model"}, {("银行", 1): "hang2"})
    assert ReadingPolicy.from_json(policy.to_json()) == policy
    shipped = ReadingPolicy.load(BUILTIN_POLICY)
    assert shipped.default in {"model", "phrase", "votes", "rule+model", "rule+phrase", "rule+votes"}


def test_a_learned_word_reading_reaches_the_pinyin() -> None:
    g2p = ZhG2P(policy=ReadingPolicy(word_readings={("长大", 0): "chang2"}), builtin_lexicon=False)
    assert pinyin_line(g2p, "他长大了") == "ta1 chang2 da4 le5"


def test_replace_lexicon_takes_effect_whole() -> None:
    g2p = ZhG2P(builtin_lexicon=False)
    assert pinyin_line(g2p, "银行") == "yin2 hang2"
    g2p.replace_lexicon({"银行": ("yin2", "xing2")})
    assert pinyin_line(g2p, "银行") == "yin2 xing2"
    g2p.replace_lexicon({})
    assert pinyin_line(g2p, "银行") == "yin2 hang2"
