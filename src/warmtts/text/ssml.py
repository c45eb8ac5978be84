"""A safe subset of SSML: passages of text with their voicing, pauses, and where each came from.

Parsed with pyexpat directly (equivalent to defusedxml, without the dependency): a DOCTYPE is
refused the moment expat meets it, before its internal subset is read, so no entity can be
declared; external and parameter entities are never fetched. Only XML's five predefined
entities and character references work, so billion-laughs, quadratic-blowup and
external-entity documents fail fast with an SsmlError. Every call builds its own parser, so
parsing is thread-safe. Spans are code-point offsets into the SSML string: expat reports byte
offsets into the UTF-8 encoding, which we convert.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from xml.parsers import expat

from warmtts.errors import InvalidInputError
from warmtts.text import say_as, ssml_values as values
from warmtts.text.scripts import HAN
from warmtts.text.source import SourceText, Span

T = TypeVar("T")

_KNOWN = frozenset({"speak", "break", "say-as", "phoneme", "sub", "prosody", "lang", "voice", "p", "s"})
_TEXT_ONLY = frozenset({"say-as", "phoneme", "sub"})
# What an XML document starts with: a declaration or other processing instruction, a comment, a
# document type declaration, or the <speak> root itself (after an optional BOM and whitespace).
_START = re.compile(r"\ufeff?\s*(?:<\?|<!--|(?i:<!DOCTYPE)\b|<speak[\s/>])")


@dataclass(frozen=True)
class Voicing:
    """How a stretch is spoken: the innermost <voice name>, <lang xml:lang>, and the product of nested <prosody rate>."""

    voice: str | None = None  # a voice id or OpenAI name as given; the engine resolves it
    lang: str | None = None  # primary subtag lower-cased: "zh", "en", ...
    rate: float = 1.0


@dataclass(frozen=True)
class Pronunciation:
    """A <phoneme>: `ph` read for the input `span` (the element's content)."""

    span: Span
    alphabet: Literal["pinyin", "ipa"]
    ph: str  # whitespace-normalised; pinyin has one tone-numbered syllable per Han character


@dataclass(frozen=True)
class Passage:
    """Text spoken with one voicing; spans point into the SSML input."""

    text: SourceText
    voicing: Voicing
    pronunciations: tuple[Pronunciation, ...] = ()


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class SsmlDocument:
    parts: tuple[Passage | Pause, ...]
    ignored: tuple[str, ...]  # unknown tags met (sorted, unique); their text was spoken


class SsmlError(InvalidInputError):
    """SSML we refuse; the message names the line and column (1-based) and what is wrong."""

    def __init__(self, line: int, column: int, problem: str) -> None:
        self.line = line
        self.column = column
        self.problem = problem
        super().__init__(f"SSML line {line}, column {column}: {problem}")


def is_ssml(text: str) -> bool:
    """Whether the input is SSML: it starts as an XML document does, with <speak or with what may
    come before the root (an XML declaration, a processing instruction, a comment, a DOCTYPE).
    The parser then refuses what it must (a DTD, another root) with its line and column, rather
    than reading markup aloud. Only the start is looked at, so a file's first lines will do."""
    return _START.match(text) is not None


def parse_ssml(source: str, max_chars: int = 100_000, max_depth: int = 64) -> SsmlDocument:
    if len(source) > max_chars:
        line, column = _line_column(source, max_chars)
        raise SsmlError(line, column, f"the SSML is {len(source)} characters; the limit is {max_chars}")
    return _Parser(source, max_depth).parse()


def _line_column(source: str, offset: int) -> tuple[int, int]:
    line_start = source.rfind("\n", 0, offset) + 1
    return source.count("\n", 0, offset) + 1, offset - line_start + 1


@dataclass
class _Frame:
    """An open element: what it is, where it starts, the voicing inside it, text it holds back."""

    name: str
    local: str
    offset: int
    voicing: Voicing
    attrs: dict[str, str]
    content: list[SourceText] = field(default_factory=list)


class _CharOffsets:
    """Byte offsets of the UTF-8 input → code-point offsets; expat's offsets only grow, so
    each conversion counts only the bytes since the last one."""

    _CONTINUATION = bytes(range(0x80, 0xC0))

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._byte = 0
        self._char = 0

    def __call__(self, byte: int) -> int:
        if byte < self._byte:
            self._byte = self._char = 0
        chunk = self._data[self._byte : byte]
        self._char += len(chunk.translate(None, self._CONTINUATION))
        self._byte = byte
        return self._char


class _Parser:
    """One parse: owns the expat parser, the open elements and the parts built so far."""

    def __init__(self, source: str, max_depth: int) -> None:
        self.source = source
        self.max_depth = max_depth
        self.default_lang = say_as.default_lang(source)
        self.stack: list[_Frame] = []
        self.parts: list[Passage | Pause] = []
        self.ignored: set[str] = set()
        self.buffer: list[SourceText] = []
        self.buffer_voicing = Voicing()
        self.pronunciations: list[Pronunciation] = []
        self.in_cdata = False
        self.expat = expat.ParserCreate(encoding="utf-8")  # overrides any encoding the input declares
        self.expat.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.expat.StartDoctypeDeclHandler = self._refuse_doctype
        self.expat.EntityDeclHandler = self._refuse("entity declarations are not allowed")
        self.expat.ExternalEntityRefHandler = self._refuse("external entities are not allowed")
        self.expat.StartElementHandler = self._start
        self.expat.EndElementHandler = self._end
        self.expat.CharacterDataHandler = self._text
        self.expat.StartCdataSectionHandler = lambda: setattr(self, "in_cdata", True)
        self.expat.EndCdataSectionHandler = lambda: setattr(self, "in_cdata", False)

    def parse(self) -> SsmlDocument:
        try:
            data = self.source.encode("utf-8")
        except UnicodeEncodeError as e:
            raise self._error_at(e.start, "the text contains an invalid character (a lone surrogate)") from None
        self.offsets = _CharOffsets(data)
        try:
            self.expat.Parse(data, True)
        except expat.ExpatError as e:
            offset = self.offsets(self.expat.ErrorByteIndex)
            raise self._error_at(offset, self._expat_problem(e.code)) from None
        self._flush()
        return SsmlDocument(tuple(self.parts), tuple(sorted(self.ignored)))

    # -- errors

    def _error_at(self, offset: int, problem: str) -> SsmlError:
        return SsmlError(*_line_column(self.source, offset), problem)

    def _here(self, problem: str) -> SsmlError:
        return self._error_at(self.offsets(self.expat.CurrentByteIndex), problem)

    def _refuse(self, problem: str) -> Callable[..., None]:
        def handler(*_: object) -> None:
            raise self._here(problem)

        return handler

    def _refuse_doctype(self, *_: object) -> None:
        """Called once expat has read the DOCTYPE's name, before its internal subset."""
        offset = self.offsets(self.expat.CurrentByteIndex)
        raise self._error_at(max(0, self.source.rfind("<!DOCTYPE", 0, offset + 1)), "DTDs are not allowed")

    def _expat_problem(self, code: int) -> str:
        message = expat.errors.messages[code]
        errors = expat.errors
        if message == errors.XML_ERROR_TAG_MISMATCH and self.stack:
            return f"mismatched tag: expected </{self.stack[-1].name}>"
        if message == errors.XML_ERROR_NO_ELEMENTS:
            if self.stack:
                return f"the SSML ends inside <{self.stack[-1].name}>: expected </{self.stack[-1].name}>"
            return "no <speak> element found"
        if message == errors.XML_ERROR_INVALID_TOKEN:
            return "not well-formed (invalid token); write a literal & as &amp; and < as &lt;"
        if message == errors.XML_ERROR_UNDEFINED_ENTITY:
            return ("undefined entity; only &amp; &lt; &gt; &quot; &apos; and character references "
                    "such as &#x4E2D; are allowed")
        if message == errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT:
            return "text or tags after </speak>"
        if message == errors.XML_ERROR_UNCLOSED_TOKEN:
            return "unclosed token: a tag is not finished"
        return message

    # -- handlers

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        offset = self.offsets(self.expat.CurrentByteIndex)
        if len(self.stack) >= self.max_depth:
            raise self._error_at(offset, f"elements are nested deeper than {self.max_depth}")
        parent = self.stack[-1] if self.stack else None
        if parent is None and local != "speak":
            raise self._error_at(offset, f"the root element must be <speak>, not <{name}>")
        if parent is not None and local == "speak":
            raise self._error_at(offset, "<speak> may only be the root element")
        if parent is not None and parent.local in _TEXT_ONLY:
            raise self._error_at(offset, f"<{parent.name}> may contain only text, not <{name}>")
        frame = _Frame(name, local, offset, parent.voicing if parent else Voicing(), attrs)
        frame.voicing = self._voicing(frame)
        if local in ("p", "s"):
            self._flush()
        elif local == "break":
            self._flush()
            self.parts.append(Pause(self._value(frame, values.break_seconds, frame.attrs.get("time"), frame.attrs.get("strength"))))
        elif local == "say-as":
            self._check_say_as(frame)
        elif local == "sub" and "alias" not in attrs:
            raise self._error_at(offset, "<sub> needs an alias attribute")
        elif local == "phoneme":
            self._check_phoneme(frame)
        elif local not in _KNOWN:
            self.ignored.add(local)
        self.stack.append(frame)

    def _end(self, name: str) -> None:
        frame = self.stack.pop()
        if frame.local not in _TEXT_ONLY:
            if frame.local in ("p", "s"):
                self._flush()
            return
        content = SourceText.join(frame.content)
        here = self.offsets(self.expat.CurrentByteIndex)
        span = content.span() or (here, here)
        if frame.local == "sub":
            self._emit(SourceText.standing_for(frame.attrs["alias"], span), frame.voicing)
        elif frame.local == "say-as":
            self._emit(self._say_as(frame, content, span), frame.voicing)
        else:
            self._emit(content, frame.voicing)
            pronunciation = self._pronunciation(frame, content, span)
            if pronunciation is not None:
                self.pronunciations.append(pronunciation)

    def _text(self, data: str) -> None:
        offset = self.offsets(self.expat.CurrentByteIndex)
        text = self._align(data, offset)
        frame = self.stack[-1]
        if frame.local == "break":
            if data.strip():
                raise self._error_at(offset, "<break> must be empty")
        elif frame.local in _TEXT_ONLY:
            frame.content.append(text)
        else:
            self._emit(text, frame.voicing)

    def _align(self, data: str, offset: int) -> SourceText:
        """`data` with each character's span: its own, or a whole reference (&amp;, &#x4E2D;),
        or a CRLF that XML reads as one newline."""
        source = self.source
        if source.startswith(data, offset) and (self.in_cdata or "&" not in data):
            return SourceText.of(data, offset)
        spans: list[Span] = []
        i = offset
        for ch in data:
            if source[i] == "&" and not self.in_cdata:
                end = source.index(";", i) + 1
            elif ch == "\n" and source.startswith("\r\n", i):
                end = i + 2
            elif source[i] == ch or (ch == "\n" and source[i] == "\r"):
                end = i + 1
            else:
                raise AssertionError(f"expat's text {data!r} does not match the input at {i}")
            spans.append((i, end))
            i = end
        return SourceText(data, tuple(spans))

    # -- passages

    def _emit(self, text: SourceText, voicing: Voicing) -> None:
        if self.buffer and voicing != self.buffer_voicing:
            self._flush()
        self.buffer_voicing = voicing
        self.buffer.append(text)

    def _flush(self) -> None:
        """End the current passage; one that is only whitespace says nothing and is dropped."""
        text = SourceText.join(self.buffer)
        if text.text.strip():
            self.parts.append(Passage(text, self.buffer_voicing, tuple(self.pronunciations)))
        self.buffer = []
        self.pronunciations = []

    # -- attributes

    def _value(self, frame: _Frame, read: Callable[..., T], *args: Any) -> T:
        """An attribute read by ssml_values, its ValueError placed at the element."""
        try:
            return read(*args)
        except ValueError as exc:
            raise self._error_at(frame.offset, str(exc)) from None

    def _voicing(self, frame: _Frame) -> Voicing:
        voicing, attrs = frame.voicing, frame.attrs
        if "xml:lang" in attrs and frame.local in ("speak", "lang", "voice", "p", "s"):
            voicing = Voicing(voicing.voice, self._value(frame, values.language, attrs["xml:lang"]), voicing.rate)
        elif frame.local == "lang":
            raise self._error_at(frame.offset, "<lang> needs an xml:lang attribute")
        if frame.local == "voice":
            name = attrs.get("name", "").strip()
            if not name and "xml:lang" not in attrs:
                raise self._error_at(frame.offset, "<voice> needs a name attribute")
            voicing = Voicing(name or voicing.voice, voicing.lang, voicing.rate)
        if frame.local == "prosody" and "rate" in attrs:
            voicing = Voicing(voicing.voice, voicing.lang, voicing.rate * self._value(frame, values.rate, attrs["rate"]))
        return voicing

    def _check_say_as(self, frame: _Frame) -> None:
        if "interpret-as" not in frame.attrs:
            raise self._error_at(frame.offset, "<say-as> needs an interpret-as attribute")
        if frame.attrs["interpret-as"] not in say_as.INTERPRETATIONS:
            self.ignored.add(f"say-as[interpret-as={frame.attrs['interpret-as']}]")

    def _say_as(self, frame: _Frame, content: SourceText, span: Span) -> SourceText:
        kind = frame.attrs["interpret-as"]
        if kind not in say_as.INTERPRETATIONS:
            return content
        voiced = frame.voicing.lang
        lang: say_as.Lang = "zh" if voiced == "zh" else "en" if voiced == "en" else self.default_lang
        try:
            spoken = say_as.expand(content.text, kind, lang, frame.attrs.get("format"))
        except ValueError as e:
            raise self._error_at(frame.offset, str(e)) from None
        return SourceText.standing_for(spoken, span)

    def _check_phoneme(self, frame: _Frame) -> None:
        alphabet, ph = frame.attrs.get("alphabet"), frame.attrs.get("ph")
        if alphabet is None or ph is None or not ph.strip():
            raise self._error_at(frame.offset, "<phoneme> needs alphabet and ph attributes")
        if alphabet not in ("pinyin", "ipa"):
            self.ignored.add(f"phoneme[alphabet={alphabet}]")

    def _pronunciation(self, frame: _Frame, content: SourceText, span: Span) -> Pronunciation | None:
        alphabet, ph = frame.attrs["alphabet"], " ".join(frame.attrs["ph"].split())
        if not content.text.strip():
            raise self._error_at(frame.offset, "<phoneme> has no text to pronounce")
        if alphabet == "ipa":
            return Pronunciation(span, "ipa", ph)
        if alphabet != "pinyin":
            return None
        return Pronunciation(span, "pinyin", self._value(frame, values.pinyin, ph, len(HAN.findall(content.text))))
