"""Request and response models at the HTTP edge; validation happens here, once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ResponseFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
if TYPE_CHECKING:
    from warmtts.voices.base import Voice

MODELS = ("warmtts", "tts-1", "tts-1-hd", "gpt-4o-mini-tts")


class SpeechRequest(BaseModel):
    """OpenAI's /v1/audio/speech body. Unknown fields are ignored, as OpenAI's own clients add some."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(default="warmtts", description=f"One of {', '.join(MODELS)}; all use the same engine.")
    input: str = Field(description="The text to speak.")
    voice: str = Field(default="auto", description="A voice id, an OpenAI voice name, or auto.")
    response_format: ResponseFormat = "mp3"
    speed: float = Field(default=1.0, ge=0.5, le=2.0)
    stream_format: Literal["audio", "sse"] = "audio"
    instructions: str | None = Field(default=None, description="Accepted for compatibility; not used.")


class TtsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    voice: str = "auto"
    speed: float = Field(default=1.0, ge=0.5, le=2.0)
    format: ResponseFormat = "wav"


class TtsResponse(BaseModel):
    audio_url: str
    duration_seconds: float
    sample_rate: int
    voice: str
    format: ResponseFormat


class VoiceEntry(BaseModel):
    id: str
    language: str
    sample_rate: int
    engine: str
    description: str
    license: str


class VoiceList(BaseModel):
    voices: list[VoiceEntry]
    aliases: dict[str, str] = Field(description="OpenAI voice names and the voice each maps to.")

    @classmethod
    def of(cls, voices: Iterable[Voice], aliases: Mapping[str, str]) -> VoiceList:
        entries = [
            VoiceEntry(id=v.info.id, language=v.info.language, sample_rate=v.info.sample_rate,
                       engine=v.info.engine, description=v.info.description, license=v.info.license)
            for v in voices
        ]
        return cls(voices=entries, aliases=dict(aliases))


class ModelEntry(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "warmtts"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelEntry]

    @classmethod
    def of(cls, ids: Iterable[str]) -> ModelList:
        return cls(data=[ModelEntry(id=i) for i in ids])


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (400, "Invalid request: the message says what to change."),
        (401, "Missing or wrong API key."),
        (404, "Not found."),
        (429, "Too many requests in progress; retry after Retry-After seconds."),
        (503, "Not ready (preloading or shutting down) or the synthesis timed out; retry after Retry-After."),
    )
}
