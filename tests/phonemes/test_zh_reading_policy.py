from __future__ import annotations

import pytest

from warmtts.phonemes.pinyin_cli import pinyin_line
from warmtts.phonemes.zh_evidence import Evidence
from warmtts.phonemes.zh_pinyin import BUILTIN_POLICY, ZhG2P
from warmtts.phonemes.zh_policy_learning import (
    VOTE_BELOW,
    VOTE_MIN,
    Config,
    _grid_correct,
    correct,
    fit,
    learn,
)
from warmtts.phonemes.zh_polyphone import Guess
from warmtts.phonemes.zh_reading_policy import STRATEGIES, ReadingPolicy

BOTH = {"pypinyin": "hang2", "cedict": "hang2"}


def evidence(confidence: float = 0.99, votes: dict[str, str] | None = None, phrase: str | None = None,
             rule: str | None = None, guess: str = "xing2", char: str = "行") -> Evidence:
    return Evidence(char, char, "xing2", phrase, Guess(guess, confidence), rule, votes or {})


def test_votes_win_only_against_an_unsure_model() -> None:
    policy = ReadingPolicy(vote_min=2, vote_below=0.999, strategy="votes")
    assert policy.read(evidence(0.99, BOTH)) == "hang2"
    assert policy.read(evidence(0.9999, BOTH)) == "xing2"
    assert policy.read(evidence(0.99, {"cedict": "hang2"})) == "xing2"
    assert policy.read(evidence(0.99, BOTH | {"model": "xing2"})) == "hang2"  # a voter not counted
    with_model = ReadingPolicy(vote_min=2, vote_below=0.999, strategy="votes", voters=("cedict", "model", "pypinyin"))
    assert with_model.read(evidence(0.99, BOTH | {"model": "xing2"})) == "xing2"  # one sides with g2pM
    assert ReadingPolicy(strategy="model").read(evidence(0.5, phrase="hang2", rule="hang2")) == "xing2"
    assert ReadingPolicy(strategy="rule+model").read(evidence(1.0, rule="hang2")) == "hang2"


def test_a_characters_record_limits_the_voters() -> None:
    """"veto" stops the voters on a character where they lost more often than they won on the
    training data; "require" lets them win only where they won more often (never unseen)."""
    base = ReadingPolicy(vote_min=1, vote_below=0.999, strategy="votes", char_record={"行": (1, 3), "长": (3, 1)})
    for char, off, veto, require in (("行", "hang2", "xing2", "xing2"), ("长", "hang2", "hang2", "hang2"),
                                     ("姥", "hang2", "hang2", "xing2")):
        readings = [ReadingPolicy(**{**base.__dict__, "per_char": mode}).read(evidence(0.99, BOTH, char=char))
                    for mode in ("off", "veto", "require")]
        assert readings == [off, veto, require], char


def test_fit_follows_the_data() -> None:
    """Dictionaries right against g2pM below 0.999 and wrong above it: the fitted policy trusts
    them exactly there; with the labels the other way round it never does."""
    unsure = [(evidence(0.99, BOTH), "hang2")] * 30
    sure = [(evidence(0.99999, BOTH), "xing2")] * 30
    policy = fit(unsure + sure, Config(("cedict", "pypinyin")))
    assert policy.strategy.endswith("votes") and 0.99 < policy.vote_below <= 0.99999
    assert [policy.read(ev) for ev, _ in (unsure[0], sure[0])] == ["hang2", "xing2"]
    assert fit([(ev, "xing2") for ev, _ in unsure], Config(("cedict",))).read(unsure[0][0]) == "xing2"
    assert learn(unsure + sure).policy.read(unsure[0][0]) == "hang2"


def test_per_char_records_and_their_choice_by_the_inner_split() -> None:
    """On 行 the voters beat g2pM, on 长 they lose: the inner split picks a per-character mode,
    and the fitted records say so."""
    data = [(evidence(0.9, BOTH), "hang2")] * 30 + [(evidence(0.9, BOTH, char="长"), "xing2")] * 10
    learned = learn(data)
    assert learned.config.per_char != "off"
    assert learned.policy.char_record == {"行": (30, 0), "长": (0, 10)}
    assert [learned.policy.read(ev) for ev, _ in (data[0], data[-1])] == ["hang2", "xing2"]


def test_the_grid_count_equals_reading_each_policy() -> None:
    data = [
        (evidence(c, votes, rule=rule), label)
        for c in (0.5, 0.95, 0.9995, 1.0)
        for votes in ({"cedict": "hang2"}, BOTH, {"cedict": "hang2", "pypinyin": "heng2"})
        for rule in (None, "hang2")
        for label in ("hang2", "xing2", "heng2")
    ]
    data += [(evidence(0.9, BOTH, char="长"), "xing2")] * 3 + [(evidence(0.9, BOTH, char="长"), "hang2")] * 2
    grid = [ReadingPolicy(0.0, m, b, s, ("cedict", "pypinyin")) for m in VOTE_MIN for b in VOTE_BELOW for s in STRATEGIES]
    assert _grid_correct(grid, data) == [correct(p, data) for p in grid]


def test_policy_survives_json_and_the_shipped_one_loads() -> None:
    policy = ReadingPolicy(0.9, 1, 0.999, "rule+votes", ("cedict",), "veto", {"行": (3, 1)}, {("银行", 1): "hang2"})
    assert ReadingPolicy.from_json(policy.to_json()) == policy
    assert ReadingPolicy.load(BUILTIN_POLICY).strategy in STRATEGIES
    with pytest.raises(ValueError, match="unknown strategy"):
        ReadingPolicy.from_json(policy.to_json().replace("rule+votes", "guess"))
    with pytest.raises(ValueError, match="unknown per_char"):
        ReadingPolicy.from_json(policy.to_json().replace('"veto"', '"always"'))


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
