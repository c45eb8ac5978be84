"""The nested evaluation's split: no sentence of an outer held-out fold reaches any choice.

Every choice the policy makes (configuration by the inner split, strategy and thresholds,
per-character records, word readings) goes through `zh_policy_learning.fit`; the spy records
every sentence each call is handed while an outer fold is being learned.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench.cpp_eval import learn_per_fold
from bench.cpp_folds import folds
from warmtts.phonemes import zh_policy_learning
from warmtts.phonemes.zh_evidence import Evidence
from warmtts.phonemes.zh_policy_learning import Labelled, Learned, learn
from warmtts.phonemes.zh_polyphone import Guess

READINGS = ("hang2", "xing2")


def sentence(n: int) -> Labelled:
    """A distinct sentence per n (its word names it), with voters that sometimes beat g2pM."""
    guess = Guess(READINGS[n % 2], 0.5 + (n % 7) / 14)
    votes = {"pypinyin": READINGS[(n // 2) % 2], "cedict": READINGS[(n // 3) % 2]}
    return Evidence("行", f"w{n}", "xing2", None, guess, "hang2" if n % 11 == 0 else None, votes), READINGS[(n // 2) % 2]


def spy_on_choices(monkeypatch: pytest.MonkeyPatch) -> tuple[list[set[str]], Callable[[list[Labelled]], Learned]]:
    """(sentences seen per outer fold, a learner that opens a new record per outer fold)."""
    seen: list[set[str]] = []
    real_fit = zh_policy_learning.fit

    def fit(data, config):  # type: ignore[no-untyped-def]
        seen[-1].update(ev.word for ev, _ in data)
        return real_fit(data, config)

    def learner(train: list[Labelled]) -> Learned:
        seen.append(set())
        return learn(train)

    monkeypatch.setattr(zh_policy_learning, "fit", fit)
    return seen, learner


def leaked(split: list[list[int]], data: list[Labelled], seen: list[set[str]]) -> list[str]:
    return [data[i][0].word for held, words in zip(split, seen) for i in held if data[i][0].word in words]


def test_outer_held_out_sentences_never_reach_a_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    data = [sentence(n) for n in range(120)]
    split = folds(len(data), 5, 14)
    seen, learner = spy_on_choices(monkeypatch)
    learned = learn_per_fold(data, split, learner)
    assert len(learned) == len(seen) == 5
    assert leaked(split, data, seen) == []
    for held, words in zip(split, seen):  # and every other sentence was used
        assert words == {ev.word for i, (ev, _) in enumerate(data) if i not in set(held)}


def test_the_spy_catches_a_leaky_learner(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: a learner that also fits on the whole data set is caught."""
    data = [sentence(n) for n in range(60)]
    split = folds(len(data), 3, 14)
    seen, learner = spy_on_choices(monkeypatch)
    learn_per_fold(data, split, lambda train: (learner(train), zh_policy_learning.fit(data, learn(train).config))[0])
    assert len(leaked(split, data, seen)) == len(data)
