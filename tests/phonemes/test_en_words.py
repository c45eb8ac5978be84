"""espeak-ng's phonemes paired with the words they speak (what English timestamps rest on)."""

from __future__ import annotations

import itertools

import pytest

from warmtts.phonemes.en_espeak import phonemize, word_units


def _pairs(text: str) -> list[tuple[str, str]]:
    units = word_units(text, phonemize(text, "en-us"))
    return [(text[u[0] : u[1]], "".join(p for p, _ in group)) for u, group in itertools.groupby(units, key=lambda x: x[1]) if u]


@pytest.mark.parametrize(
    "text",
    ["The cost of the house is in the town, and we went.", "I am going to do it, aren't you? Yes.",
     "twenty twenty six, november twenty fourth"],
)
def test_every_word_gets_its_own_phonemes_in_order(text: str) -> None:
    """espeak runs "of the", "in the" and "I am" together; they are still split per word."""
    pairs = _pairs(text)
    words = [w for w, _ in pairs]
    assert words == [w.strip(",.?") for w in text.split()]
    assert all(phonemes for _, phonemes in pairs)


def test_a_joined_group_is_shared_at_the_right_place() -> None:
    pairs = dict(_pairs("the cost of the house"))
    assert pairs["of"] == "ʌv" and pairs["cost"] == "kˈɔst"


def test_punctuation_and_spaces_belong_to_no_word() -> None:
    text = "Hello, world."
    units = word_units(text, phonemize(text, "en-us"))
    assert all(u is None for p, u in units if p in " ,.")
