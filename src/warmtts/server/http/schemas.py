"""Request and response models at the HTTP edge; validation happens here, once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warmtts.audio.formats import AudioFormat
from warmtts.server.http.instructions import Reading, read_instructions
from warmtts.server.synthesis.job import SynthesisRequest
from warmtts.text.subtitles import SubtitleFormat
from warmtts.voices.params import SPEED_RANGE

if TYPE_CHECKING:
    from warmtts.voices.base import Voice

MODELS = ("warmtts", "tts-1", "tts-1-hd", "gpt-4o-mini-tts")
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")  # OpenAI's dated snapshots: gpt-4o-mini-tts-2025-12-15
_SPEED = Field(
    default=1.0, ge=SPEED_RANGE[0], le=SPEED_RANGE[1],
    description="Multiple of the voice's own rate; past 0.5-2 the model's rate is time-stretched.",
)


class SpeechRequest(BaseModel):
    """OpenAI's /v1/audio/speech body. Unknown fields are ignored, as OpenAI's own clients add some."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(default="warmtts", description=f"One of {', '.join(MODELS)}; all use the same engine.")
    input: str = Field(
        description="The text to speak; SSML when it starts as an XML document (<speak>, or a declaration, "
        "comment or DOCTYPE before it; X-Input-Format says which). SSML tags we do not know are "
        "spoken as plain text and named in the X-SSML-Ignored-Tags response header."
    )
    voice: str = Field(default="auto", description="A voice id, an OpenAI voice name, or auto.")
    response_format: AudioFormat = "mp3"
    speed: float = _SPEED
    stream_format: Literal["audio", "sse"] = Field(
        default="audio",
        description="sse: server-sent events. Before the speech.audio.delta events, warmtts adds "
        "speech.audio.timestamps events: `marks`, each {start, end, offset, length, text}, when each word "
        "(Chinese: character) of `input` is heard, in seconds from the first sample; then speech.audio.done.",
    )
    instructions: str | None = Field(
        default=None, max_length=4096,
        description="A speed or pitch named in plain words ('speak slowly', 'in a deep voice') is honoured; "
        "anything else is ignored. The X-Instructions response header says which.",
    )
    sample_rate: int | Literal["native"] = Field(
        default=24000,
        description="warmtts extension: the rate of the audio sent (pcm, SSE deltas and every format); "
        "OpenAI's pcm is 24 kHz whatever the voice, so that is the default. 'native': the voice's own rate.",
    )
    download_format: AudioFormat | None = Field(
        default=None,
        description="warmtts extension, with stream_format=sse: also keep the streamed audio in this format; "
        "the speech.audio.done event then carries its audio_url (as POST /tts).",
    )

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        if _DATED.sub("", value) not in MODELS:
            raise ValueError(f"model {value!r} not found; available: {', '.join(MODELS)} (and their dated snapshots)")
        return value

    @field_validator("sample_rate")
    @classmethod
    def _usable_rate(cls, value: int | str) -> int | str:
        if value != "native" and not 8000 <= int(value) <= 48000:
            raise ValueError("sample_rate must be between 8000 and 48000, or 'native'")
        return value

    @model_validator(mode="after")
    def _download_needs_sse(self) -> SpeechRequest:
        if self.download_format is not None and self.stream_format != "sse":
            raise ValueError("download_format needs stream_format 'sse' (its audio_url comes in the done event)")
        return self

    def reading(self) -> Reading:
        """What `instructions` asked of speed and pitch."""
        return read_instructions(self.instructions)

    def synthesis(self) -> SynthesisRequest:
        reading = self.reading()
        return SynthesisRequest(
            route="/v1/audio/speech", text=self.input, voice=self.voice, speed=reading.speed_for(self.speed),
            pitch=reading.pitch_for(),
            format=self.response_format, framing=self.stream_format, keep=self.download_format,
            sample_rate=None if self.sample_rate == "native" else self.sample_rate,
        )


class TtsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The text to speak; SSML when it starts as an XML document (<speak>, or a "
                      "declaration, comment or DOCTYPE before it).")
    voice: str = "auto"
    speed: float = _SPEED
    format: AudioFormat = "wav"
    subtitles: SubtitleFormat = Field(
        default="vtt", description="The subtitle file kept beside the audio: WebVTT (vtt) or SubRip (srt)."
    )

    def synthesis(self) -> SynthesisRequest:
        return SynthesisRequest(
            route="/tts", text=self.text, voice=self.voice, speed=self.speed, framing="none", keep=self.format
        )


class Timestamp(BaseModel):
    """When a stretch of the input is heard: a word of English, a character of Chinese, or a
    written token read as several words ("2026年"); never punctuation or an SSML tag."""

    start: float = Field(description="Seconds from the audio's first sample.")
    end: float
    offset: int = Field(description="Where the stretch starts in the input, in code points (as Python counts).")
    length: int
    text: str = Field(description="The stretch itself: input[offset:offset+length].")


class TtsResponse(BaseModel):
    audio_url: str
    duration_seconds: float
    sample_rate: int
    voice: str
    format: AudioFormat
    timestamps: list[Timestamp]
    subtitles_url: str = Field(description="The subtitles (as asked in `subtitles`), kept as long as the audio.")


class LexiconReloaded(BaseModel):
    path: str
    entries: int
    seconds: float


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
        (422, "The user lexicon has a bad line (its number and why are in the message); the old one stays."),
        (429, "Too many requests in progress; retry after Retry-After seconds."),
        (503, "Not ready (preloading or shutting down; retry after Retry-After), or the synthesis ran past "
              "its time limit (send shorter text)."),
    )
}
