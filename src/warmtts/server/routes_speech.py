"""The OpenAI-compatible API: POST /v1/audio/speech (streamed), GET /v1/models, GET /v1/voices."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from warmtts.audio.formats import CONTENT_TYPES
from warmtts.errors import InvalidInputError
from warmtts.server.context import ServerContext, context
from warmtts.server.schemas import MODELS, SpeechRequest, VoiceEntry
from warmtts.server.synthesis import Outcome, chunks, encoded, sse_events

router = APIRouter(prefix="/v1")


@router.post("/audio/speech", response_class=StreamingResponse)
async def speech(body: SpeechRequest, ctx: ServerContext = Depends(context)) -> StreamingResponse:
    started = time.perf_counter()
    engine = ctx.engine()
    if body.model not in MODELS:
        raise InvalidInputError(f"model {body.model!r} not found; available: {', '.join(MODELS)}")
    text = ctx.check_text(body.input)
    stream = engine.synthesize_stream(text, ctx.voice_id(body.voice), speed=body.speed)
    ctx.scheduler.admit()
    outcome = Outcome()
    source = chunks(stream, len(text), ctx.scheduler, ctx.metrics, "/v1/audio/speech", started, outcome)
    headers = {"X-Sample-Rate": str(stream.sample_rate), "X-Voice": stream.voice}
    if body.stream_format == "sse":
        events = sse_events(source, body.response_format, stream.sample_rate, len(text), outcome)
        return StreamingResponse(events, media_type="text/event-stream", headers=headers | {"Cache-Control": "no-cache"})
    audio = encoded(source, body.response_format, stream.sample_rate)
    return StreamingResponse(audio, media_type=CONTENT_TYPES[body.response_format], headers=headers)


@router.get("/models")
def models() -> dict[str, object]:
    return {
        "object": "list",
        "data": [{"id": m, "object": "model", "created": 0, "owned_by": "warmtts"} for m in MODELS],
    }


@router.get("/voices")
def voices(ctx: ServerContext = Depends(context)) -> dict[str, object]:
    engine = ctx.engine()
    entries = [
        VoiceEntry(
            id=v.info.id, language=v.info.language, sample_rate=v.info.sample_rate, engine=v.info.engine,
            description=v.info.description, license=v.info.license,
        )
        for v in engine.voices.all()
    ]
    return {"voices": [e.model_dump() for e in entries], "aliases": ctx.settings.openai_voice_map}
