"""Request and response models at the HTTP edge; validation happens here, once."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ResponseFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
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


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody
