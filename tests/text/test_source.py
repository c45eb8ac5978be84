"""Spans through every rewriting stage: what the timestamps stand on."""

from __future__ import annotations

from warmtts.text.segment import source_pieces, source_sentences
from warmtts.text.source import SourceText


def _quoted(source: SourceText, text: str) -> list[str]:
    return [text[s:e] for s, e in source.spans]


def test_a_rewrite_keeps_shared_characters_and_maps_replacements_whole() -> None:
    text = "在2026年花了¥25"
    source = SourceText.of(text).rewrite("在二零二六年花了二十五元")
    assert _quoted(source, text) == ["在", "2026", "2026", "2026", "2026", "年", "花", "了", "¥25", "¥25", "¥25", "¥25"]


def test_spaces_never_anchor_a_rewrite() -> None:
    text = "on 24, 2026"
    source = SourceText.of(text).rewrite("on twenty fourth, twenty twenty six")
    assert source.span(3, 16) == (3, 5)  # "twenty fourth" is "24"
    assert source.span(18, 35) == (7, 11)  # "twenty twenty six" is "2026"


def test_added_words_stand_for_nothing() -> None:
    source = SourceText.of("ab").rewrite("a the b")
    assert source.span(2, 5) is None and source.span() == (0, 2)


def test_follow_skips_what_was_deleted() -> None:
    text = "  Hello \t  world  "
    source = SourceText.of(text).strip()
    collapsed = source.follow("Hello world")
    assert collapsed.text == "Hello world" and _quoted(collapsed, text) == list("Hello") + [" "] + list("world")


def test_sentences_and_pieces_keep_their_offsets_across_chunks() -> None:
    text = "First one.  Second\x00one!你好，世界。"
    chunks = [SourceText.of(text[:7]), SourceText.of(text[7:20], 7), SourceText.of(text[20:], 20)]
    sentences = list(source_sentences(chunks))
    assert [s.text for s in sentences] == ["First one.", "Second one!", "你好，世界。"]
    for sentence in sentences:
        assert all(text[s:e] == ch or ch == " " for ch, (s, e) in zip(sentence.text, sentence.spans))
    (piece, source), *_ = source_pieces(sentences[2], 9)  # cut at the clause
    assert piece.text == "你好，" and _quoted(source, text) == ["你", "好", "，"]
