"""Marks from heard stretches: input tokens, joins, order."""

from __future__ import annotations

from warmtts.text.marks import Heard, Mark, input_tokens, marks_for
from warmtts.text.source import SourceText


def test_tokens_are_words_characters_and_written_numbers() -> None:
    text = "它在2026年花了$25.50，Hello world! 3.5℃ & don't, well-known。"
    assert [text[s:e] for s, e in input_tokens(SourceText.of(text))] == [
        "它", "在", "2026年", "花", "了", "$25.50", "Hello", "world", "3.5℃", "&", "don't", "well-known",
    ]


def test_stretches_of_one_token_join_and_marks_never_overlap() -> None:
    tokens = [(0, 1), (1, 6), (7, 10)]
    heard = [
        Heard((0, 1), 0.0, 0.2), Heard((1, 6), 0.2, 0.4), Heard((1, 6), 0.4, 0.7),  # 2026年: four syllables
        Heard(None, 0.7, 0.8),  # added by us: no token
        Heard((7, 10), 0.9, 1.2),
    ]
    assert marks_for(heard, tokens) == [Mark(0.0, 0.2, 0, 1), Mark(0.2, 0.7, 1, 5), Mark(0.9, 1.2, 7, 3)]


def test_a_stretch_over_two_tokens_joins_them() -> None:
    tokens = [(0, 3), (4, 6), (8, 12)]  # "Nov 24, 2026"
    heard = [Heard((0, 6), 0.0, 0.9), Heard((8, 12), 1.0, 1.5)]
    assert marks_for(heard, tokens) == [Mark(0.0, 0.9, 0, 6), Mark(1.0, 1.5, 8, 4)]


def test_times_running_backwards_are_joined_not_reordered() -> None:
    tokens = [(0, 2), (3, 5), (6, 8)]
    heard = [Heard((0, 2), 0.0, 0.3), Heard((6, 8), 0.3, 0.6), Heard((3, 5), 0.6, 0.9)]  # read out of order
    marks = marks_for(heard, tokens)
    assert marks == [Mark(0.0, 0.3, 0, 2), Mark(0.3, 0.9, 3, 5)]
    assert all(a.end <= b.start and a.offset + a.length <= b.offset for a, b in zip(marks, marks[1:]))
