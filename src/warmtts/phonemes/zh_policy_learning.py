"""Learning a reading policy from labelled evidence, every choice inside the data it is given.

`fit` fits one configuration (which voters count, whether a character's own record limits them,
whether learned word readings apply) to its data: the strategy and thresholds that read the most
of it right, then the per-character records and word readings under them. Those fitted parts
would always look best on the data they were fitted on, so `learn` chooses the configuration by
an inner split of its data (fit on the inner training part, count the inner held-out part) and
then fits the chosen one on all its data. `bench.cpp_eval` calls `learn` on each outer training
part and scores the outer held-out fold, which no choice has seen; the shipped policy is `learn`
on the whole CPP dev split.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from warmtts.phonemes.zh_evidence import Evidence
from warmtts.phonemes.zh_reading_policy import PER_CHAR, STRATEGIES, ReadingPolicy

log = logging.getLogger(__name__)
VOTE_MIN = (1, 2, 3)
VOTE_BELOW = (0.9, 0.99, 0.999, 0.9999, 0.99999, 1.01)
WORD_MIN = (0, 2, 3)  # 0: no learned word readings
INNER_FOLDS = 4
SEED = 14

Labelled = tuple[Evidence, str]


@dataclass(frozen=True)
class Config:
    """The choices an inner split makes: which voters count, how a character's record limits
    them, and how many unanimous training sentences a learned word reading needs (0: none)."""

    voters: tuple[str, ...]
    per_char: str = "off"
    word_min: int = 0


def deal(count: int, k: int, seed: int = SEED) -> list[list[int]]:
    """`k` disjoint sorted lists of indices into `count` items, together all of them, sizes
    differing by at most one: a seeded shuffle dealt round-robin."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return [sorted(order[fold::k]) for fold in range(k)]


def configs(voters: Iterable[str]) -> list[Config]:
    """Every non-empty set of the voters, with each per-character mode and word minimum;
    simpler ones first, so that ties go to them."""
    names = sorted(set(voters))
    subsets = [s for size in range(1, len(names) + 1) for s in itertools.combinations(names, size)]
    return [Config(s, pc, wm) for wm in WORD_MIN for pc in PER_CHAR for s in subsets]


def correct(policy: ReadingPolicy, data: Iterable[Labelled]) -> int:
    return sum(policy.read(ev) == label for ev, label in data)


def fit(data: Sequence[Labelled], config: Config) -> ReadingPolicy:
    """The policy of `config` fitted to `data`: the grid point that reads most of it right (ties
    to the earliest: fewer votes needed, a lower threshold), then the per-character records and
    learned word readings under it. The grid is fitted without the records: fitted together on
    the same data, records and thresholds flatter each other (every character's record is
    perfect in-sample), and the thresholds drift to "always overrule"."""
    contested = [(ev, label) for ev, label in data if _contested(ev)]
    grid = [
        ReadingPolicy(0.0, vote_min, below, strategy, config.voters)
        for vote_min, below, strategy in itertools.product(VOTE_MIN, VOTE_BELOW, STRATEGIES)
    ]
    scores = _grid_correct(grid, contested)
    policy = grid[max(range(len(grid)), key=lambda i: scores[i])]
    if config.per_char != "off":
        policy = replace(policy, per_char=config.per_char, char_record=char_records(policy, contested))
    if config.word_min:
        policy = replace(policy, words=word_readings(policy, data, config.word_min))
    return policy


def _grid_correct(grid: list[ReadingPolicy], data: list[Labelled]) -> list[int]:
    """`correct(policy, data)` for every policy of the grid (which differ only in strategy,
    vote_min and vote_below): the candidate outcomes are computed once per vote_min and the
    grid is counted with numpy (the plain loop took minutes per bench run)."""
    guess_right = np.array([ev.guess is not None and ev.guess.syllable == label for ev, label in data], dtype=bool)
    has_rule = np.array([bool(ev.rule) for ev, _ in data], dtype=bool)
    rule_right = np.array([ev.rule == label for ev, label in data], dtype=bool)
    confidence = np.array([ev.guess.confidence if ev.guess else 2.0 for ev, _ in data])
    by_min: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    scores = []
    for policy in grid:
        if policy.vote_min not in by_min:
            readings = [policy.vote(ev) for ev, _ in data]
            by_min[policy.vote_min] = (
                np.array([r is not None for r in readings], dtype=bool),
                np.array([r == label for r, (_, label) in zip(readings, data)], dtype=bool),
            )
        has_vote, vote_right = by_min[policy.vote_min]
        right = guess_right
        if policy.strategy.endswith("votes"):
            right = np.where(has_vote & (confidence < policy.vote_below), vote_right, right)
        if policy.strategy.startswith("rule+"):
            right = np.where(has_rule, rule_right, right)
        scores.append(int(right.sum()))
    return scores


def char_records(policy: ReadingPolicy, data: Iterable[Labelled]) -> dict[str, tuple[int, int]]:
    """Character → (voters right, g2pM right) over the sentences where the voters would
    overrule g2pM under `policy`."""
    right: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for ev, label in data:
        if ev.guess is None or (policy.strategy.startswith("rule+") and ev.rule):
            continue
        if policy.strategy.endswith("votes") and ev.guess.confidence < policy.vote_below:
            reading = policy.vote(ev)
            if reading is not None:
                right[ev.char] += reading == label
                wrong[ev.char] += ev.guess.syllable == label
    return {char: (right[char], wrong[char]) for char in right.keys() | wrong.keys() if right[char] or wrong[char]}


def word_readings(policy: ReadingPolicy, data: Iterable[Labelled], minimum: int) -> dict[tuple[str, int], str]:
    """(word, offset) → label, for the words of two or more characters that `policy` misreads
    at least once and whose `minimum` or more training sentences all carry the same label."""
    labels: defaultdict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    misread: set[tuple[str, int]] = set()
    for ev, label in data:
        if len(ev.word) > 1:
            key = (ev.word, ev.offset)
            labels[key][label] += 1
            if policy.read(ev) != label:
                misread.add(key)
    return {
        key: next(iter(counts))
        for key, counts in labels.items()
        if key in misread and len(counts) == 1 and sum(counts.values()) >= minimum
    }


@dataclass(frozen=True)
class Learned:
    """The fitted policy, the configuration the inner split chose and every configuration's
    inner held-out count (for the report)."""

    policy: ReadingPolicy
    config: Config
    inner_correct: dict[Config, int]


def learn(examples: Iterable[Labelled], inner_folds: int = INNER_FOLDS, seed: int = SEED) -> Learned:
    """Choose a configuration on an inner split of `examples`, then fit it on all of them."""
    data = list(examples)
    split = deal(len(data), inner_folds, seed)
    voters = {name for ev, _ in data for name in ev.votes}
    scores: dict[Config, int] = {}
    for config in configs(voters):
        total = 0
        for held in split:
            held_set = set(held)
            train = [pair for i, pair in enumerate(data) if i not in held_set]
            total += correct(fit(train, config), (data[i] for i in held))
        scores[config] = total
    best = max(scores, key=lambda c: scores[c])  # first of the best: the simplest
    log.info("policy learning config=%s inner_correct=%d of=%d", best, scores[best], len(data))
    return Learned(fit(data, best), best, scores)


def _contested(ev: Evidence) -> bool:
    """Whether the strategy or thresholds can change this character's reading."""
    return ev.guess is not None and (ev.rule is not None or any(r != ev.guess.syllable for r in ev.votes.values()))
