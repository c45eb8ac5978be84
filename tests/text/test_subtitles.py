"""Subtitles from marks: where cues break, what they show, and the exact SRT and WebVTT text."""

from __future__ import annotations

import re

from warmtts.text.marks import Mark
from warmtts.text.subtitles import Cue, cues, subtitles, to_srt, to_vtt


def marks(text: str, step: float = 0.3, gaps: dict[str, float] | None = None) -> list[Mark]:
    """One mark per English word, number or Han character outside tags, `step` seconds each
    (heard for all but its last 50 ms); `gaps` adds a pause before a word."""
    outside = re.sub(r"<[^>]*>", lambda m: "\0" * len(m.group()), text)
    made, t = [], 0.0
    for word in re.finditer(r"[A-Za-z']+|\d+|[\u4e00-\u9fff]", outside):
        t += (gaps or {}).get(word.group(), 0.0)
        made.append(Mark(round(t, 3), round(t + step - 0.05, 3), word.start(), word.end() - word.start()))
        t += step
    return made


EN = "Hello world. This is a test."


def test_english_srt_and_vtt_exactly() -> None:
    assert subtitles(marks(EN), EN, "srt") == (
        "1\n00:00:00,000 --> 00:00:00,550\nHello world.\n\n"
        "2\n00:00:00,600 --> 00:00:01,750\nThis is a test.\n\n"
    )
    assert subtitles(marks(EN), EN, "vtt") == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:00.550\nHello world.\n\n"
        "00:00:00.600 --> 00:00:01.750\nThis is a test.\n\n"
    )


def test_chinese_breaks_at_sentence_ends() -> None:
    text = "今天天气很好。你好！"
    assert subtitles(marks(text, 0.2), text, "srt") == (
        "1\n00:00:00,000 --> 00:00:01,150\n今天天气很好。\n\n"
        "2\n00:00:01,200 --> 00:00:01,550\n你好！\n\n"
    )


def test_a_long_sentence_is_cut_into_readable_cues() -> None:
    text = ("This is a rather long sentence that goes on and on, and it will have to be split "
            "into several cues because it is much too long.")
    made = cues(marks(text), text)
    assert [c.text for c in made] == [
        "This is a rather long sentence that goes",
        "on and on, and it will have to be split",
        "into several cues because it is much too",
        "long.",
    ]
    assert all(len(c.text) <= 42 for c in made)
    assert all(a.end <= b.start for a, b in zip(made, made[1:]))


def test_a_long_chinese_sentence_is_cut_after_a_clause() -> None:
    text = "今天天气很好，我们一起去公园散步吧，然后再去图书馆看书，最后回家吃晚饭。"
    assert [c.text for c in cues(marks(text, 0.2), text)] == [
        "今天天气很好，我们一起去公园散步吧，", "然后再去图书馆看书，最后回家吃晚饭。",
    ]


def test_pauses_time_and_line_breaks_end_a_cue() -> None:
    text = "one two three\nfour five"
    assert [c.text for c in cues(marks(text, gaps={"three": 0.7}), text)] == ["one two", "three", "four five"]
    slow = "one two three four"
    assert [c.text for c in cues(marks(slow, step=2.5), slow)] == ["one two", "three four"]


def test_ssml_tags_are_not_shown_and_sentences_end_with_their_elements() -> None:
    text = ('<speak>Hello <break time="1.5s"/>world <emphasis>again</emphasis> &amp; more.'
            "<s>你好</s><s>世界</s><s>one</s><s>two</s> “Quoted,” he said.</speak>")
    assert [c.text for c in cues(marks(text), text)] == [
        "Hello world again & more.", "你好", "世界", "one", "two", "“Quoted,” he said.",
    ]
    assert "&amp; more." in subtitles(marks(text), text, "vtt")  # WebVTT escapes what a cue could read as markup
    closed = "<speak>Hi <emphasis>there</emphasis>.</speak>"
    assert [c.text for c in cues(marks(closed), closed)] == ["Hi there."]  # the stop after an end tag is shown


def test_cue_end_never_passes_the_next_start() -> None:
    assert to_srt([Cue(0.0, 1.0, "a"), Cue(1.0, 2.0, "b")]).count("00:00:01,000") == 2
    overlapping = [Mark(0.0, 1.2, 0, 1), Mark(1.0, 2.0, 3, 1)]  # "a. b": two sentences
    made = cues(overlapping, "a. b")
    assert made[0].end == made[1].start == 1.0


def test_hours_and_empty_files() -> None:
    assert to_vtt([Cue(3725.5, 3726.0, "late")]) == "WEBVTT\n\n01:02:05.500 --> 01:02:06.000\nlate\n\n"
    assert subtitles([], "Hello", "srt") == ""
    assert subtitles([], "Hello", "vtt") == "WEBVTT\n\n"
