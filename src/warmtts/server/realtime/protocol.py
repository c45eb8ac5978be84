"""The realtime socket's messages: one small class per event type, each to or from its JSON.

Client → server: session.update, input_text.append, input_text.flush, input_text.clear,
input_text.end. Server → client: session.created, session.updated, speech.audio.delta,
speech.audio.timestamps, speech.audio.done, input_text.cleared, error. The names follow the
SSE events of /v1/audio/speech and OpenAI's realtime style.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, ClassVar, Union


class ProtocolError(Exception):
    """A message the session cannot read; it answers with an error event and stays open."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- client → server ------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionUpdate:
    type: ClassVar[str] = "session.update"
    session: dict[str, Any]


@dataclass(frozen=True)
class Append:
    type: ClassVar[str] = "input_text.append"
    text: str


@dataclass(frozen=True)
class Flush:
    type: ClassVar[str] = "input_text.flush"


@dataclass(frozen=True)
class Clear:
    type: ClassVar[str] = "input_text.clear"


@dataclass(frozen=True)
class End:
    type: ClassVar[str] = "input_text.end"


ClientEvent = Union[SessionUpdate, Append, Flush, Clear, End]
CLIENT_TYPES = (SessionUpdate.type, Append.type, Flush.type, Clear.type, End.type)


def parse(raw: str) -> ClientEvent:
    """One client message, or ProtocolError saying what is wrong with it."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise ProtocolError("invalid_json", "message is not JSON; send one JSON object per text frame") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ProtocolError("invalid_message", 'message must be a JSON object with a string "type"')
    kind = data["type"]
    if kind == Append.type:
        text = data.get("text")
        if not isinstance(text, str):
            raise ProtocolError("invalid_message", 'input_text.append needs "text", a string')
        return Append(text)
    if kind == SessionUpdate.type:
        session = data.get("session")
        if not isinstance(session, dict):
            raise ProtocolError("invalid_message", 'session.update needs "session", an object')
        return SessionUpdate(session)
    simple = {Flush.type: Flush, Clear.type: Clear, End.type: End}
    if kind in simple:
        return simple[kind]()
    raise ProtocolError("unknown_type", f"unknown message type {kind!r}; known: {', '.join(CLIENT_TYPES)}")


# --- server → client ------------------------------------------------------------------------


def _dumps(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False)


@dataclass(frozen=True)
class SessionCreated:
    session: dict[str, Any]

    def to_json(self) -> str:
        return _dumps({"type": "session.created", "session": self.session})


@dataclass(frozen=True)
class SessionUpdated:
    session: dict[str, Any]

    def to_json(self) -> str:
        return _dumps({"type": "session.updated", "session": self.session})


@dataclass(frozen=True)
class AudioDelta:
    """16-bit little-endian mono PCM at the session's sample rate."""

    pcm: bytes

    def to_json(self) -> str:
        return _dumps({"type": "speech.audio.delta", "delta": base64.b64encode(self.pcm).decode()})


@dataclass(frozen=True)
class Timestamps:
    """Marks as in SSE: `start`, `end` in seconds from the generation's first sample, `offset`,
    `length` in code points of the generation's text, and `text`."""

    marks: list[dict[str, object]]

    def to_json(self) -> str:
        return _dumps({"type": "speech.audio.timestamps", "marks": self.marks})


@dataclass(frozen=True)
class AudioDone:
    input_characters: int
    audio_seconds: float
    sample_rate: int

    def to_json(self) -> str:
        usage = {"input_characters": self.input_characters, "audio_seconds": round(self.audio_seconds, 3)}
        return _dumps({"type": "speech.audio.done", "usage": usage, "sample_rate": self.sample_rate})


@dataclass(frozen=True)
class Cleared:
    def to_json(self) -> str:
        return _dumps({"type": "input_text.cleared"})


@dataclass(frozen=True)
class ErrorEvent:
    """`code` is short and stable (invalid_json, unknown_type, invalid_value, buffer_full,
    rate_limit_exceeded, not_ready, synthesis_failed, idle_timeout…); `retry_after` (seconds)
    comes with a refusal that a later try may pass."""

    code: str
    message: str
    retry_after: int | None = None

    def to_json(self) -> str:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.retry_after is not None:
            error["retry_after"] = self.retry_after
        return _dumps({"type": "error", "error": error})


ServerEvent = Union[SessionCreated, SessionUpdated, AudioDelta, Timestamps, AudioDone, Cleared, ErrorEvent]
