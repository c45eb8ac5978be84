"""Streamed text → stretches ready to speak: never a cut inside a word, whatever the split."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from warmtts.text.incoming import IncomingText, Ready

TEXT = "Hello there, my friend. How are you today? 今天天气很好，我们去公园吧。Dr. Smith said hi! Bye"


def feed(parts: list[str], clause_chars: int | None = None) -> tuple[list[Ready], IncomingText]:
    """Each part appended; with `clause_chars`, a listener always short of audio."""
    incoming = IncomingText(clause_chars or 60)
    ready = []
    for part in parts:
        for found in (incoming.append(part), incoming.clause() if clause_chars else None):
            if found is not None:
                ready.append(found)
    return ready, incoming


def test_a_full_stop_is_a_sentence_end_once_the_next_character_has_come() -> None:
    incoming = IncomingText(60)
    assert incoming.append("Hello there.") is None  # "." may be "..." or end "Dr."
    assert incoming.append(" H") == Ready("Hello there.", 0)
    assert incoming.append("ow are you") is None
    assert incoming.append("?") == Ready(" How are you?", 12)  # never inside a word: at once
    assert incoming.append("!") == Ready("!", 25)  # nothing to say: the speaker skips it
    assert incoming.append(" Fine") is None
    assert incoming.flush() == Ready(" Fine", 26)
    assert incoming.append("再见。好") == Ready("再见。", 0)  # a new generation counts from 0


def test_an_abbreviation_does_not_end_a_sentence() -> None:
    ready, incoming = feed(["Dr", ". Smith", " is here", ". Yes"])
    assert ready == [Ready("Dr. Smith is here.", 0)]
    assert incoming.pending == " Yes"


def test_a_long_clause_run_is_cut_at_its_last_clause_mark() -> None:
    incoming = IncomingText(30)
    assert incoming.append("First part, second part, third part is long") is None  # only when asked
    ready, incoming = feed(["First part, second part, third part is long", " and goes on"], clause_chars=30)
    assert ready == [Ready("First part, second part,", 0)]
    assert incoming.pending == " third part is long and goes on"
    # Chinese clause marks need no space after them; a Han character counts three.
    ready, incoming = feed(["我们今天去公园散步，然后去", "吃饭"], clause_chars=30)
    assert ready == [Ready("我们今天去公园散步，", 0)]


def test_without_clause_marks_a_very_long_run_is_cut_at_a_space() -> None:
    ready, incoming = feed(["one two three four five six seven eigh"], clause_chars=10)
    assert ready == [Ready("one two three four five six seven ", 0)]
    assert incoming.pending == "eigh"


def test_idle_keeps_a_latin_word_being_written() -> None:
    incoming = IncomingText(60)
    incoming.append("Hello my fri")
    assert incoming.idle() == Ready("Hello my ", 0)
    assert incoming.pending == "fri"
    incoming.append("end")
    assert incoming.flush() == Ready("friend", 9)
    incoming.append("你好世界")
    assert incoming.idle() == Ready("你好世界", 0)


@settings(max_examples=200, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=len(TEXT)), max_size=30), clause=st.sampled_from([None, 20, 60]))
def test_any_split_gives_back_the_text_in_order_with_no_word_cut(cuts: list[int], clause: int | None) -> None:
    points = sorted(set(cuts))
    parts = [TEXT[a:b] for a, b in zip([0, *points], [*points, len(TEXT)])]
    ready, incoming = feed(parts, clause)
    rest = incoming.flush()
    stretches = ready + ([rest] if rest else [])
    assert "".join(r.text for r in stretches) == TEXT
    at = 0
    for stretch in stretches:
        assert stretch.offset == at
        at += len(stretch.text)
        end = at
        if end < len(TEXT):  # never between two letters of one Latin word
            assert not (TEXT[end - 1].isascii() and TEXT[end - 1].isalpha() and TEXT[end].isalpha())
