"""How a realtime session speaks (voice, speed, format, rate), validated as /v1/audio/speech is:
an update is checked by SpeechRequest itself, so the rules and the messages are the same."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from warmtts.audio.formats import AudioFormat
from warmtts.errors import InvalidInputError, NotReadyError
from warmtts.server.http.error_handlers import validation_message
from warmtts.server.synthesis.job import SynthesisRequest
from warmtts.server.realtime.protocol import ProtocolError
from warmtts.server.http.schemas import SpeechRequest
from warmtts.server.synthesis.service import SynthesisService

ROUTE = "/v1/audio/speech/realtime"
FIELDS = ("voice", "response_format", "speed", "sample_rate")


@dataclass(frozen=True)
class SessionOptions:
    voice: str = "auto"
    response_format: AudioFormat = "pcm"
    speed: float = 1.0
    sample_rate: int = 24000

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: dict[str, Any], service: SynthesisService) -> SessionOptions:
        """These options with `changes`, or ProtocolError(invalid_value) with the message
        /v1/audio/speech would give."""
        unknown = sorted(set(changes) - set(FIELDS))
        if unknown:
            known = ", ".join(FIELDS)
            raise ProtocolError("invalid_value", f"session: unknown field(s) {', '.join(unknown)}; known: {known}")
        try:
            checked = SpeechRequest.model_validate({"input": "-", **self.to_dict(), **changes})
        except ValidationError as exc:
            raise ProtocolError("invalid_value", validation_message(RequestValidationError(exc.errors()))) from None
        if checked.response_format != "pcm":
            raise ProtocolError(
                "invalid_value", "response_format: the realtime socket sends pcm (base64 16-bit PCM deltas)"
            )
        if checked.sample_rate == "native":
            raise ProtocolError(
                "invalid_value", "sample_rate: give a number (default 24000); a session's voices may differ in rate"
            )
        _check_voice(checked.voice, service)
        return replace(self, voice=checked.voice, speed=checked.speed, sample_rate=int(checked.sample_rate))

    def request(self, text: str, plays_at: float | None = None) -> SynthesisRequest:
        return SynthesisRequest(
            route=ROUTE, text=text, voice=self.voice, speed=self.speed, format="pcm", framing="audio",
            sample_rate=self.sample_rate, plays_at=plays_at,
        )


def _check_voice(voice: str, service: SynthesisService) -> None:
    """An unknown voice is refused now, with HTTP's message; before preload is done it is
    checked when the first text is spoken."""
    try:
        engine = service.engine()
    except NotReadyError:
        return
    try:
        engine.voice_for(voice, "")
    except InvalidInputError as exc:
        raise ProtocolError("invalid_value", str(exc)) from None
