from __future__ import annotations

import re

import pytest

from warmtts.errors import InvalidInputError
from warmtts.text.source import SourceText
from warmtts.text.ssml import (
    Passage,
    Pause,
    Pronunciation,
    SsmlDocument,
    SsmlError,
    Voicing,
    is_ssml,
    parse_ssml,
)


def passages(doc: SsmlDocument) -> list[Passage]:
    return [p for p in doc.parts if isinstance(p, Passage)]


def shape(doc: SsmlDocument) -> list[object]:
    """Parts as (text, voicing) or seconds, to compare a document's structure at a glance."""
    return [(p.text.text, p.voicing) if isinstance(p, Passage) else p.seconds for p in doc.parts]


def pieces(text: SourceText, source: str) -> list[tuple[str, str]]:
    """Each character with the input it stands for."""
    return [(ch, source[a:b]) for ch, (a, b) in zip(text.text, text.spans)]


def own_spans(text: str, source: str, start: int) -> SourceText:
    assert source[start : start + len(text)] == text
    return SourceText.of(text, start)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<speak>hi</speak>", True),
        ("  \n<speak version='1.1'>hi</speak>", True),
        ('<?xml version="1.0" encoding="UTF-8"?>\n<speak>hi</speak>', True),
        ("<speak/>", True),
        ("\ufeff<speak>hi</speak>", True),
        ('<!DOCTYPE speak SYSTEM "file:///etc/passwd"><speak>hi</speak>', True),
        ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]><speak>&lol;</speak>', True),
        ("\n <!doctype html><html>hi</html>", True),
        ("<!-- a comment --><speak>hi</speak>", True),
        ('<?xml-stylesheet href="a.xsl"?><speak>hi</speak>', True),
        ("<?xml version='1.0'?><p>hi</p>", True),  # an XML document: the parser refuses its root
        ("<!DOCTYPEX", False),
        ("<!- not a comment", False),
        ("<3 you", False),
        ("<speaker>hi</speaker>", False),
        ("hello <speak>", False),
        ("<p>hi</p>", False),
        ("", False),
    ],
)
def test_is_ssml(text: str, expected: bool) -> None:
    assert is_ssml(text) is expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('<!DOCTYPE speak SYSTEM "file:///etc/passwd"><speak>hi</speak>', "SSML line 1, column 1: DTDs are not allowed"),
        ("<!-- hi -->\n<?xml version='1.0'?><speak/>", "SSML line 2, column 1: XML or text declaration not at start of entity"),
        ("<?xml version='1.0'?><p>hi</p>", "SSML line 1, column 22: the root element must be <speak>, not <p>"),
        ("<!doctype html><html>hi</html>", "SSML line 1, column 1: syntax error"),
    ],
)
def test_what_starts_as_xml_is_refused_by_the_parser_with_its_position(source: str, message: str) -> None:
    assert is_ssml(source)
    with pytest.raises(SsmlError) as caught:
        parse_ssml(source)
    assert str(caught.value).startswith(message)


def test_plain_text_is_one_passage_with_its_own_spans() -> None:
    source = "<speak>Hello, 世界!</speak>"
    doc = parse_ssml(source)
    assert doc == SsmlDocument((Passage(own_spans("Hello, 世界!", source, 7), Voicing()),), ())


def test_offsets_count_code_points_not_bytes() -> None:
    source = "<speak>😀中&amp;x&#x4E2D;&#20013;y&lt;</speak>"
    (passage,) = passages(parse_ssml(source))
    assert passage.text.text == "😀中&x中中y<"
    assert passage.text.spans == ((7, 8), (8, 9), (9, 14), (14, 15), (15, 23), (23, 31), (31, 32), (32, 36))


def test_crlf_and_cdata_keep_exact_spans() -> None:
    source = "<speak>a\r\nb<![CDATA[x&amp;<y]]>z</speak>"
    (passage,) = passages(parse_ssml(source))
    assert pieces(passage.text, source) == [
        ("a", "a"), ("\n", "\r\n"), ("b", "b"),
        ("x", "x"), ("&", "&"), ("a", "a"), ("m", "m"), ("p", "p"), (";", ";"), ("<", "<"), ("y", "y"),
        ("z", "z"),
    ]


def test_phoneme_stays_in_its_passage_with_a_pronunciation() -> None:
    source = '<speak>我们去<phoneme alphabet="pinyin" ph=" yin2\n hang2 ">银行</phoneme>取钱。</speak>'
    doc = parse_ssml(source)
    (passage,) = doc.parts
    assert isinstance(passage, Passage)
    assert passage.text.text == "我们去银行取钱。"
    assert [s for _, s in pieces(passage.text, source)] == list("我们去银行取钱。")
    start = source.index("银行")
    assert passage.pronunciations == (Pronunciation((start, start + 2), "pinyin", "yin2 hang2"),)
    assert doc.ignored == ()


def test_pinyin_may_write_u_umlaut_as_v_and_skip_non_han() -> None:
    source = '<speak><phoneme alphabet="pinyin" ph="lv4 se4">绿色 ok</phoneme></speak>'
    (passage,) = passages(parse_ssml(source))
    assert passage.pronunciations[0].ph == "lv4 se4"
    assert passage.text.text == "绿色 ok"


def test_ipa_is_kept_as_given_and_other_alphabets_are_ignored() -> None:
    source = (
        '<speak>say <phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme> and '
        '<phoneme alphabet="x-sampa" ph="t@\'mA:toU">tomato</phoneme></speak>'
    )
    doc = parse_ssml(source)
    (passage,) = passages(doc)
    assert passage.text.text == "say tomato and tomato"
    first = source.index("tomato")
    assert passage.pronunciations == (Pronunciation((first, first + 6), "ipa", "təˈmɑːtoʊ"),)
    assert doc.ignored == ("phoneme[alphabet=x-sampa]",)


def test_sub_alias_stands_for_the_written_content() -> None:
    source = '<speak>The <sub alias="World Health Organization">WHO</sub> met.</speak>'
    (passage,) = passages(parse_ssml(source))
    assert passage.text.text == "The World Health Organization met."
    who = source.index("WHO")
    alias = passage.text.text.index("World")
    assert set(passage.text.spans[alias : alias + len("World Health Organization")]) == {(who, who + 3)}
    assert passage.text.spans[:4] == SourceText.of("The ", 7).spans
    assert pieces(passage.text, source)[-5:] == [(" ", " "), ("m", "m"), ("e", "e"), ("t", "t"), (".", ".")]


def test_say_as_reads_in_the_voicing_language_and_stands_for_its_content() -> None:
    source = (
        '<speak>电话<say-as interpret-as="telephone">110</say-as>，'
        '<lang xml:lang="en-US">call <say-as interpret-as="cardinal">2026</say-as></lang></speak>'
    )
    doc = parse_ssml(source)
    zh, en = passages(doc)
    phone = source.index("110")
    assert zh.text.text == "电话幺幺零，"
    assert zh.text.spans[2:5] == ((phone, phone + 3),) * 3
    assert zh.voicing == Voicing()
    year = source.index("2026")
    assert en.text.text == "call two thousand twenty six"
    assert set(en.text.spans[5:]) == {(year, year + 4)}
    assert en.voicing == Voicing(lang="en")


def test_say_as_defaults_to_chinese_when_the_document_has_han() -> None:
    zh = parse_ssml('<speak>第<say-as interpret-as="digits">12</say-as>号</speak>')
    en = parse_ssml('<speak>Room <say-as interpret-as="digits">12</say-as></speak>')
    assert passages(zh)[0].text.text == "第一二号"
    assert passages(en)[0].text.text == "Room one two"


def test_say_as_date_with_format_and_unknown_interpret_as() -> None:
    source = (
        '<speak xml:lang="en"><say-as interpret-as="date" format="mdy">11/28/2026</say-as>; '
        '<say-as interpret-as="address">1 Main St</say-as></speak>'
    )
    doc = parse_ssml(source)
    (passage,) = passages(doc)
    assert passage.text.text == "November twenty eighth, twenty twenty six; 1 Main St"
    street = source.index("1 Main St")
    assert passage.text.spans[-9:] == SourceText.of("1 Main St", street).spans
    assert doc.ignored == ("say-as[interpret-as=address]",)


def test_voice_lang_and_nested_prosody_make_passages() -> None:
    source = (
        '<speak xml:lang="zh-CN">你好'
        '<voice name="en-joe" xml:lang="en-US">Hello '
        '<prosody rate="80%">slow <prosody rate="x-slow" pitch="high">slower</prosody></prosody>'
        '<prosody rate="+50%">quick</prosody><prosody rate="2">double</prosody><prosody volume="loud"> loud</prosody>'
        "</voice>"
        '<lang xml:lang="en">bye</lang>再见'
        "</speak>"
    )
    doc = parse_ssml(source)
    zh, en = Voicing(lang="zh"), Voicing("en-joe", "en")
    assert shape(doc) == [
        ("你好", zh),
        ("Hello ", en),
        ("slow ", Voicing("en-joe", "en", 0.8)),
        ("slower", Voicing("en-joe", "en", 0.4)),
        ("quick", Voicing("en-joe", "en", 1.5)),
        ("double", Voicing("en-joe", "en", 2.0)),
        (" loud", en),
        ("bye", Voicing(lang="en")),
        ("再见", zh),
    ]
    assert doc.ignored == ()
    slower = passages(doc)[3]
    assert slower.text == SourceText.of("slower", source.index("slower"))


def test_breaks_emit_pauses_between_passages() -> None:
    source = (
        "<speak>a<break/>b<break time='500ms'/>c<break time='1.5s' strength='x-strong'/>"
        "d<break strength='none'/>e<break strength='x-weak'></break>f<break strength='x-strong'/>"
        "<break time='10s'/></speak>"
    )
    doc = parse_ssml(source)
    v = Voicing()
    assert shape(doc) == [("a", v), 0.4, ("b", v), 0.5, ("c", v), 1.5, ("d", v), 0.0, ("e", v), 0.1,
                          ("f", v), 1.2, 10.0]
    assert all(isinstance(p, (Passage, Pause)) for p in doc.parts)


def test_paragraphs_and_sentences_end_passages() -> None:
    source = "<speak>Intro <p><s>One.</s><s xml:lang='zh'>二。</s></p> <p>Three</p>tail</speak>"
    v = Voicing()
    assert shape(parse_ssml(source)) == [
        ("Intro ", v), ("One.", v), ("二。", Voicing(lang="zh")), ("Three", v), ("tail", v),
    ]


def test_unknown_and_namespaced_tags_are_spoken_and_reported() -> None:
    source = (
        '<speak xmlns="http://www.w3.org/2001/10/synthesis" xmlns:mstts="https://www.w3.org/2001/mstts">'
        '<emphasis level="strong">very</emphasis> <mstts:express-as style="cheerful">happy</mstts:express-as>'
        '<mark name="m1"/> <audio src="x.wav">beep</audio><!-- not spoken --></speak>'
    )
    doc = parse_ssml(source)
    (passage,) = passages(doc)
    assert passage.text.text == "very happy beep"
    assert doc.ignored == ("audio", "emphasis", "express-as", "mark")


def test_whitespace_is_kept_inside_passages_and_blank_passages_dropped() -> None:
    source = "<speak>\n  <voice name='a'>  one\n two </voice>\n  <voice name='b'>three</voice>\n</speak>"
    doc = parse_ssml(source)
    assert shape(doc) == [("  one\n two ", Voicing("a")), ("three", Voicing("b"))]


def test_empty_speak_has_no_parts() -> None:
    assert parse_ssml("<speak/>") == SsmlDocument((), ())


def test_an_encoding_declaration_cannot_change_how_the_text_is_read() -> None:
    source = '<?xml version="1.0" encoding="ISO-8859-1"?><speak>中文</speak>'
    assert passages(parse_ssml(source))[0].text == SourceText.of("中文", source.index("中文"))


def where(source: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first `needle` in `source`."""
    offset = source.index(needle)
    return source.count("\n", 0, offset) + 1, offset - (source.rfind("\n", 0, offset) + 1) + 1


@pytest.mark.parametrize(
    ("source", "at", "problem"),
    [
        ('<speak>\n  a <break time="fast"/></speak>', "<break", "break time 'fast' is not a duration such as 500ms or 1.5s"),
        ('<speak><break time="11s"/></speak>', "<break", "break time '11s' is longer than 10s"),
        ('<speak><break strength="huge"/></speak>', "<break", "break strength 'huge' is not one of none, x-weak"),
        ("<speak><break>text</break></speak>", "text", "<break> must be empty"),
        ('<speak>\n\n<prosody rate="-5">x</prosody></speak>', "<prosody", "prosody rate '-5' is not x-slow"),
        ('<speak><prosody rate="0%">x</prosody></speak>', "<prosody", "prosody rate '0%'"),
        ('<speak><prosody rate="fastest">x</prosody></speak>', "<prosody", "prosody rate 'fastest'"),
        ("<speak><lang>x</lang></speak>", "<lang", "<lang> needs an xml:lang attribute"),
        ('<speak><lang xml:lang="中文">x</lang></speak>', "<lang", "xml:lang '中文' is not a language tag"),
        ("<speak><voice>x</voice></speak>", "<voice", "<voice> needs a name attribute"),
        ("<speak><sub>WHO</sub></speak>", "<sub", "<sub> needs an alias attribute"),
        ("<speak><say-as>12</say-as></speak>", "<say-as", "<say-as> needs an interpret-as attribute"),
        ('<speak>好<say-as interpret-as="date" format="yyyy">2026</say-as></speak>', "<say-as",
         "say-as date format 'yyyy' is not one of"),
        ('<speak><say-as interpret-as="cardinal">12abc</say-as></speak>', "<say-as",
         "say-as cardinal expects a number, got '12abc'"),
        ('<speak><say-as interpret-as="cardinal"><sub alias="x">1</sub></say-as></speak>', "<sub",
         "<say-as> may contain only text, not <sub>"),
        ('<speak><phoneme alphabet="pinyin">银行</phoneme></speak>', "<phoneme",
         "<phoneme> needs alphabet and ph attributes"),
        ('<speak>去\n  <phoneme alphabet="pinyin" ph="yin2">银行</phoneme></speak>', "<phoneme",
         "pinyin 'yin2' has 1 syllables for 2 Han characters"),
        ('<speak><phoneme alphabet="pinyin" ph="yin hang2">银行</phoneme></speak>', "<phoneme",
         "pinyin 'yin' is not a syllable with a tone number 1-5"),
        ('<speak><phoneme alphabet="pinyin" ph="yin9 hang2">银行</phoneme></speak>', "<phoneme", "pinyin 'yin9'"),
        ('<speak><phoneme alphabet="ipa" ph="a"/></speak>', "<phoneme", "<phoneme> has no text to pronounce"),
        ("<p>hi</p>", "<p", "the root element must be <speak>, not <p>"),
        ("<speak><speak>hi</speak></speak>", "<speak>hi", "<speak> may only be the root element"),
    ],
)
def test_attribute_and_structure_errors_name_the_element(source: str, at: str, problem: str) -> None:
    with pytest.raises(SsmlError, match=re.escape(problem)) as caught:
        parse_ssml(source)
    line, column = where(source, at)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).startswith(f"SSML line {line}, column {column}: ")


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        ('<speak>\n  <prosody rate="slow">\n    hello</voice>\n</speak>', 3, 12,
         "mismatched tag: expected </prosody>"),
        ("<speak>\nTom & Jerry</speak>", 2, 6, "not well-formed (invalid token); write a literal & as &amp;"),
        ("<speak>a &nbsp; b</speak>", 1, 10, "undefined entity; only &amp; &lt; &gt; &quot; &apos;"),
        ("<speak>\n<p>hello", 2, 9, "the SSML ends inside <p>: expected </p>"),
        ("", 1, 1, "no <speak> element found"),
        ("<speak>hi</speak>junk", 1, 18, "text or tags after </speak>"),
        ("<speak>中文<break time='1s'</speak>", 1, 26, "not well-formed (invalid token)"),
        ('<speak>\n<s a="1" a="2">x</s></speak>', 2, 10, "duplicate attribute"),
    ],
)
def test_malformed_xml_reports_expat_position(source: str, line: int, column: int, message: str) -> None:
    with pytest.raises(SsmlError) as caught:
        parse_ssml(source)
    assert str(caught.value).startswith(f"SSML line {line}, column {column}: {message}")
    assert isinstance(caught.value, InvalidInputError)


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol0 "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 11))
    + "]>\n<speak>&lol10;</speak>"
)
QUADRATIC = '<!DOCTYPE speak [<!ENTITY a "' + "x" * 100_000 + '">]><speak>' + "&a;" * 30_000 + "</speak>"


@pytest.mark.parametrize(
    ("source", "max_chars", "line", "column", "message"),
    [
        (BILLION_LAUGHS, 100_000, 2, 1, "DTDs are not allowed"),
        (QUADRATIC, len(QUADRATIC), 1, 1, "DTDs are not allowed"),
        ('<?xml version="1.0"?>\n<!DOCTYPE speak [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><speak>&xxe;</speak>',
         100_000, 2, 1, "DTDs are not allowed"),
        ('<!DOCTYPE speak SYSTEM "file:///etc/passwd"><speak>hi</speak>', 100_000, 1, 1, "DTDs are not allowed"),
        ('<!DOCTYPE speak [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><speak>x</speak>',
         100_000, 1, 1, "DTDs are not allowed"),
        ("<speak>" + "<p>" * 10_000 + "x" + "</p>" * 10_000 + "</speak>", 100_000, 1, 8 + 63 * 3,
         "elements are nested deeper than 64"),
        ("<speak>" + "<x>" * 10_000 + "x" + "</x>" * 10_000 + "</speak>", 100_000, 1, 8 + 63 * 3,
         "elements are nested deeper than 64"),
        ("<speak>" + "a" * 100_000 + "</speak>", 100_000, 1, 100_001,
         "the SSML is 100015 characters; the limit is 100000"),
    ],
)
def test_hostile_inputs_are_refused_before_any_expansion(
    source: str, max_chars: int, line: int, column: int, message: str
) -> None:
    with pytest.raises(SsmlError) as caught:
        parse_ssml(source, max_chars=max_chars)
    assert str(caught.value) == f"SSML line {line}, column {column}: {message}"


def test_limits_are_parameters() -> None:
    assert passages(parse_ssml("<speak><p><p>x</p></p></speak>", max_depth=3))[0].text.text == "x"
    with pytest.raises(SsmlError, match="nested deeper than 2"):
        parse_ssml("<speak><p><p>x</p></p></speak>", max_depth=2)
    assert parse_ssml("<speak>ab</speak>", max_chars=17).parts
    with pytest.raises(SsmlError, match="the limit is 16"):
        parse_ssml("<speak>ab</speak>", max_chars=16)


def test_parsing_in_many_threads_gives_the_serial_results() -> None:
    from concurrent.futures import ThreadPoolExecutor

    sources = [
        f'<speak>第{i}<say-as interpret-as="cardinal">{i}</say-as><break time="{i}ms"/>'
        f'<prosody rate="{50 + i}%"><phoneme alphabet="pinyin" ph="hang2">行</phoneme></prosody></speak>'
        for i in range(200)
    ]
    serial = [parse_ssml(s) for s in sources]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(parse_ssml, sources)) == serial
    assert shape(serial[12])[:2] == [("第12十二", Voicing()), 0.012]


def test_a_lone_surrogate_is_refused_where_it_stands() -> None:
    with pytest.raises(SsmlError, match=r"^SSML line 2, column 3: the text contains an invalid character"):
        parse_ssml("<speak>\nab\ud800</speak>")
