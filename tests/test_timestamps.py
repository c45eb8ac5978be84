"""Timestamps tied to the input text, from the models' own durations, on the real voices."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from warmtts.engine import Engine
from warmtts.text.marks import Mark

PAUSE = 0.25  # engine.PAUSE_SECONDS["sentence"]


def _speak(engine: Engine, text: str | Iterable[str], voice: str = "auto", speed: float = 1.0) -> tuple[list[Mark], np.ndarray, int]:
    stream = engine.synthesize_stream(text, voice, speed=speed)
    chunks = list(stream)
    marks = [m for c in chunks for m in c.marks]
    return marks, np.concatenate([c.pcm for c in chunks]).astype(np.float32) / 32768, stream.sample_rate


def _words(marks: list[Mark], text: str) -> list[str]:
    return [text[m.offset : m.offset + m.length] for m in marks]


def _well_formed(marks: list[Mark], seconds: float) -> None:
    """In order in time and in the input, never overlapping, inside the audio."""
    assert marks
    for before, after in zip(marks, marks[1:]):
        assert before.end <= after.start + 1e-9, (before, after)
        assert before.offset + before.length <= after.offset, (before, after)
    for mark in marks:
        assert 0 <= mark.start < mark.end <= seconds + 1e-6 and mark.length > 0


def _quiet_stretch(audio: np.ndarray, rate: int, start: float, end: float) -> float:
    """The longest run of 10 ms frames in [start, end) at least 30 dB below the clip's speech."""
    frame = rate // 100
    energy = np.sqrt(np.mean(audio[: len(audio) // frame * frame].reshape(-1, frame) ** 2, axis=1)) + 1e-9
    loud = np.percentile(energy, 90)
    longest = run = 0
    for index in range(int(start * 100), min(len(energy), int(end * 100))):
        run = run + 1 if energy[index] < loud / 31.6 else 0
        longest = max(longest, run)
    return longest / 100


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hello world, this is a test. It costs $25.50.",
         ["Hello", "world", "this", "is", "a", "test", "It", "costs", "$25.50"]),
        ("今天是2026年11月28日，天气很好。", ["今", "天", "是", "2026年", "11月", "28日", "天", "气", "很", "好"]),
        ("我喜欢用Python编程。", ["我", "喜", "欢", "用", "Python", "编", "程"]),
    ],
)
def test_marks_are_the_input_words_in_order(engine: Engine, text: str, words: list[str]) -> None:
    """A word of English, a character of Chinese, and a written number read as several words
    is one span of the input ("2026年", "$25.50"), never punctuation."""
    marks, audio, rate = _speak(engine, text)
    assert _words(marks, text) == words
    _well_formed(marks, len(audio) / rate)


@pytest.mark.parametrize("text", ["The meeting is on Nov 24, 2026 at the office.", "第一句话说完了。第二句话开始了。"])
def test_marks_cover_the_speech(engine: Engine, text: str) -> None:
    """From the first sound to the last, every stretch of speech lies inside a mark: words the
    normaliser reorders or adds ("the twenty fourth of November") are heard within the marks
    of what they were read from, and the gaps are pauses (quiet in the audio)."""
    marks, audio, rate = _speak(engine, text)
    seconds = len(audio) / rate
    _well_formed(marks, seconds)
    assert marks[0].start < 0.3
    assert seconds - PAUSE - 0.4 < marks[-1].end <= seconds - PAUSE
    for before, after in zip(marks, marks[1:]):
        gap = after.start - before.end
        if gap > 0.15:  # a gap is a pause, not a word nobody marked
            assert _quiet_stretch(audio, rate, before.end, after.start) > gap * 0.5, (before, after)


@pytest.mark.parametrize(
    ("text", "last_word", "first_word"),
    [("第一句话说完了。第二句话开始了。", "了", "第"), ("This is the first one. Here comes the second.", "one", "Here")],
)
def test_a_sentence_pause_lies_between_the_marks_around_it(engine: Engine, text: str, last_word: str, first_word: str) -> None:
    marks, audio, rate = _speak(engine, text)
    words = _words(marks, text)
    boundary = words.index(first_word, 1)
    assert words[boundary - 1] == last_word
    before, after = marks[boundary - 1], marks[boundary]
    assert after.start - before.end >= PAUSE
    assert _quiet_stretch(audio, rate, before.end, after.start) >= PAUSE  # the pause is heard there
    inside = marks[1]
    assert _quiet_stretch(audio, rate, inside.start, inside.end) < 0.1  # and a mark is speech


def test_offsets_count_from_the_start_of_a_text_given_in_lines(engine: Engine) -> None:
    lines = ["First line here.\n", "  Second  line,\tthere.\n", "第三行。\n"]
    text = "".join(lines)
    marks, audio, rate = _speak(engine, iter(lines), "en-joe")
    assert _words(marks, text) == ["First", "line", "here", "Second", "line", "there", "第", "三", "行"]
    _well_formed(marks, len(audio) / rate)


@pytest.mark.parametrize("voice", ["en-joe", "zh-baker"])
@pytest.mark.parametrize("speed", [0.5, 2.0, 4.0])
def test_marks_follow_the_speed(engine: Engine, voice: str, speed: float) -> None:
    """At any speed (past 2, time-stretched) the marks end where the speech does."""
    text = "Timestamps should move with the speed of speech." if voice == "en-joe" else "时间戳应该跟着语速走。"
    marks, audio, rate = _speak(engine, text, voice, speed)
    speech = len(audio) / rate - PAUSE / speed
    _well_formed(marks, speech)
    assert speech - 0.4 / speed < marks[-1].end, (marks[-1], speech)


def test_marks_are_shared_with_a_json_form(engine: Engine) -> None:
    text = "你好，world。"
    marks, _, _ = _speak(engine, text)
    forms = [m.to_dict(text) for m in marks]
    assert [f["text"] for f in forms] == ["你", "好", "world"]
    assert all(set(f) == {"start", "end", "offset", "length", "text"} for f in forms)
