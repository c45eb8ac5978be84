"""SSML spoken by the real engine: what each supported tag does to the audio and the marks.
(The parser itself, with hostile XML, is tested in tests/text/test_ssml.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from warmtts.engine import Engine
from warmtts.errors import InvalidInputError
from warmtts.text.ssml import SsmlError
from warmtts.voices.base import Given


def _speak(engine: Engine, text: str, voice: str = "auto", speed: float = 1.0):  # type: ignore[no-untyped-def]
    stream = engine.synthesize_stream(text, voice, speed=speed)
    chunks = list(stream)
    return stream, [m for c in chunks for m in c.marks], np.concatenate([c.pcm for c in chunks])


def test_tags_have_no_span_and_a_break_is_heard_between_the_marks(engine: Engine) -> None:
    text = '<speak>Hello <break time="700ms"/>world, <emphasis>loud</emphasis> &amp; clear.</speak>'
    stream, marks, _ = _speak(engine, text)
    assert [text[m.offset : m.offset + m.length] for m in marks] == ["Hello", "world", "loud", "&amp;", "clear"]
    assert marks[1].start - marks[0].end >= 0.7
    assert stream.ignored_tags == ("emphasis",)


def test_pinyin_fixes_the_reading(engine: Engine) -> None:
    """zh-baker is deterministic, so a reading given as pinyin is the same audio as the frontend's
    own reading when they agree, and different audio when they do not."""
    plain = engine.synthesize("银行。", "zh-baker").pcm
    same = _speak(engine, '<speak><phoneme alphabet="pinyin" ph="yin2 hang2">银行</phoneme>。</speak>', "zh-baker")[2]
    other = _speak(engine, '<speak><phoneme alphabet="pinyin" ph="yin2 xing2">银行</phoneme>。</speak>', "zh-baker")[2]
    assert np.array_equal(plain, same)
    assert len(other) != len(plain) or not np.array_equal(other, plain)


def test_pinyin_inside_a_sentence_reaches_only_its_characters(engine: Engine) -> None:
    voice = engine.voices.get("zh-baker")
    text = "我们去银行取钱"
    fixed = voice.phonemize(text, [Given(3, 5, "pinyin", "yin2 xing2")])
    own = voice.phonemize(text)
    assert fixed.stages["pinyin"].split()[3:5] == ["yin2", "xing2"]
    assert own.stages["pinyin"].split()[3:5] == ["yin2", "hang2"]
    assert fixed.stages["pinyin"].split()[:3] == own.stages["pinyin"].split()[:3]


def test_ipa_replaces_espeaks_reading_of_its_word(engine: Engine) -> None:
    voice = engine.voices.get("en-joe")
    phonemized = voice.phonemize("a tomato please", [Given(2, 8, "ipa", "təmˈɑːtoʊ")])
    spoken = "".join(phonemized.phonemes)
    assert "təmˈɑːtoʊ" in spoken and "təmˈeɪɾoʊ" not in spoken
    assert {u for p, u in zip(phonemized.phonemes, phonemized.units) if p in "təmˈɑːoʊ" and u} >= {(2, 8)}


def test_prosody_rate_changes_only_its_passage(engine: Engine) -> None:
    normal = _speak(engine, "<speak>春天来了。</speak>", "zh-baker")[2]
    slow = _speak(engine, '<speak><prosody rate="50%">春天来了。</prosody></speak>', "zh-baker")[2]
    assert 1.6 < len(slow) / len(normal) < 2.4


def test_voice_and_lang_choose_who_speaks(engine: Engine) -> None:
    text = '<speak>你好。<voice name="en-joe">Good morning.</voice><lang xml:lang="en">101</lang></speak>'
    stream, marks, _ = _speak(engine, text)
    assert stream.voice == "zh-baker"
    assert [text[m.offset : m.offset + m.length] for m in marks] == ["你", "好", "Good", "morning", "101"]
    assert stream.ignored_tags == ()


def test_say_as_and_sub_mark_what_was_written(engine: Engine) -> None:
    text = '<speak>Call <say-as interpret-as="telephone">555-1234</say-as> at <sub alias="World Wide Web Consortium">W3C</sub>.</speak>'
    _, marks, _ = _speak(engine, text)
    assert [text[m.offset : m.offset + m.length] for m in marks] == ["Call", "555-1234", "at", "W3C"]
    assert marks[-1].end - marks[-1].start > 1.0  # four words were said for it


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<speak><break time="fast"/></speak>', "line 1, column 8"),
        ("<speak>\n  <prosody rate='slow'>unclosed\n</speak>", "line 3"),
        ('<speak><voice name="nobody">hi</voice></speak>', "voice 'nobody' not found"),
    ],
)
def test_bad_ssml_is_refused_before_any_audio(engine: Engine, text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        engine.synthesize_stream(text)


def test_ssml_can_be_required(engine: Engine) -> None:
    with pytest.raises(SsmlError):
        engine.synthesize_stream("plain text, not a document", ssml=True)
    assert engine.synthesize_stream("<speak>text</speak>", ssml=False).ignored_tags == ()
