from __future__ import annotations

import pytest

from warmtts.phonemes.pinyin_cli import pinyin_line
from warmtts.phonemes.zh_evidence import Evidence
from warmtts.phonemes.zh_pinyin import BUILTIN_POLICY, ZhG2P
from warmtts.phonemes.zh_polyphone import Guess
from warmtts.phonemes.zh_reading_policy import STRATEGIES, ReadingPolicy, learn


def evidence(confidence: float = 0.99, votes: dict[str, int] | None = None, phrase: str | None = None,
             rule: str | None = None, guess: str = "xing2") -> Evidence:
    return Evidence("行", "行", "xing2", phrase, Guess(guess, confidence), rule, votes or {})


def test_votes_win_only_against_an_unsure_model() -> None:
    policy = ReadingPolicy(vote_min=2, vote_below=0.999, strategy="votes")
    assert policy.read(evidence(0.99, {"hang2": 2})) == "hang2"
    assert policy.read(evidence(0.9999, {"hang2": 2})) == "xing2"
    assert policy.read(evidence(0.99, {"hang2": 1})) == "xing2"
    assert policy.read(evidence(0.99, {"hang2": 2, "xing2": 1})) == "xing2"  # one dictionary sides with g2pM
    assert ReadingPolicy(strategy="model").read(evidence(0.5, phrase="hang2", rule="hang2")) == "xing2"
    assert ReadingPolicy(strategy="rule+model").read(evidence(1.0, rule="hang2")) == "hang2"


def test_learn_follows_the_data() -> None:
    """Dictionaries right against g2pM below 0.999 and wrong above it: the learned policy trusts
    them exactly there; with the labels the other way round it never does."""
    unsure = [(evidence(0.99, {"hang2": 2}), "hang2")] * 30
    sure = [(evidence(0.99999, {"hang2": 2}), "xing2")] * 30
    policy = learn(unsure + sure)
    assert policy.strategy.endswith("votes") and 0.99 < policy.vote_below <= 0.99999
    assert [policy.read(ev) for ev, _ in (unsure[0], sure[0])] == ["hang2", "xing2"]
    assert learn([(ev, "xing2") for ev, _ in unsure]).read(unsure[0][0]) == "xing2"


def test_policy_survives_json_and_the_shipped_one_loads() -> None:
    policy = ReadingPolicy(0.9, 1, 0.999, "rule+votes")
    assert ReadingPolicy.from_json(policy.to_json()) == policy
    assert ReadingPolicy.load(BUILTIN_POLICY).strategy in STRATEGIES
    with pytest.raises(ValueError, match="unknown strategy"):
        ReadingPolicy.from_json(policy.to_json().replace("rule+votes", "guess"))


def test_the_policy_reaches_the_pinyin() -> None:
    """着急: pypinyin's and CC-CEDICT's phrases read zhao2 where g2pM, unsure, reads zhe5."""
    trusting = ZhG2P(policy=ReadingPolicy(vote_min=2, vote_below=1.01, strategy="votes"), builtin_lexicon=False)
    model_only = ZhG2P(policy=ReadingPolicy(strategy="model"), builtin_lexicon=False)
    assert pinyin_line(trusting, "你先别着急") == "ni3 xian1 bie2 zhao2 ji2"
    assert pinyin_line(model_only, "你先别着急") == "ni3 xian1 bie2 zhe5 ji2"


def test_replace_lexicon_takes_effect_whole() -> None:
    g2p = ZhG2P(builtin_lexicon=False)
    assert pinyin_line(g2p, "银行") == "yin2 hang2"
    g2p.replace_lexicon({"银行": ("yin2", "xing2")})
    assert pinyin_line(g2p, "银行") == "yin2 xing2"
    g2p.replace_lexicon({})
    assert pinyin_line(g2p, "银行") == "yin2 hang2"
