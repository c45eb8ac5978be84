from __future__ import annotations

from pathlib import Path

import pytest

from bench.cpp_folds import DEFAULT_DATA, FOLDS, SEED, folds, load, parse


def test_folds_partition_every_example_once() -> None:
    split = folds(9893)
    assert len(split) == FOLDS == 5
    flat = sorted(i for fold in split for i in fold)
    assert flat == list(range(9893))
    assert {len(fold) for fold in split} == {1978, 1979}


def test_folds_are_fixed_by_the_seed() -> None:
    """A changed seed or dealing would silently move sentences between tuning and held-out folds
    and make earlier figures incomparable; these are the first indices of each fold at seed 14."""
    assert SEED == 14
    assert [fold[:4] for fold in folds(9893)] == FIRST_INDICES
    assert folds(9893) == folds(9893)
    assert folds(9893, seed=15) != folds(9893)


FIRST_INDICES = [[2, 3, 6, 14], [8, 22, 27, 33], [1, 7, 10, 12], [0, 4, 11, 17], [5, 9, 16, 19]]


def test_parse_finds_the_marked_han_character() -> None:
    example = parse("1990年9月15日，在克里米亚发现▁了▁此天体。", "le5\n")
    assert example.text == "1990年9月15日，在克里米亚发现了此天体。"
    assert example.text[example.index] == "了"
    assert example.han_index == 10  # 年 月 日 在 克 里 米 亚 发 现
    assert parse("▁绿▁色", "lu:4").label == "lv4"


@pytest.mark.skipif(not (DEFAULT_DATA / "dev.sent").is_file(), reason="CPP data folder absent")
def test_the_dev_split_loads_whole() -> None:
    examples = load(Path(DEFAULT_DATA))
    assert len(examples) == 9893
    assert all(e.text[e.index] and e.label[-1] in "12345" for e in examples)
