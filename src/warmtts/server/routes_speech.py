"""The OpenAI-compatible API: POST /v1/audio/speech (streamed), GET /v1/models, GET /v1/voices."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from warmtts.audio.formats import CONTENT_TYPES
from warmtts.errors import InvalidInputError
from warmtts.server.auth import require_key
from warmtts.server.context import ServerContext, context
from warmtts.server.schemas import ERROR_RESPONSES, MODELS, ModelList, SpeechRequest, VoiceList
from warmtts.server.synthesis import Outcome, chunks, encoded, sse_events, start

router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)], responses=ERROR_RESPONSES)

_SSE_EVENT = {
    "type": "object",
    "description": "One event; `data` is JSON: speech.audio.delta (base64 `audio`, `progress`), "
    "speech.audio.done (`usage`, timings) or error.",
    "properties": {"event": {"type": "string"}, "data": {"type": "string", "contentMediaType": "application/json"}},
    "required": ["data"],
}
_AUDIO_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The audio, streamed as it is synthesised; with stream_format=sse, server-sent events.",
        "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in
                    sorted(set(CONTENT_TYPES.values()))} | {"text/event-stream": {"itemSchema": _SSE_EVENT}},
    }
}


@router.post("/audio/speech", response_class=StreamingResponse, responses=_AUDIO_RESPONSE)
async def speech(body: SpeechRequest, ctx: ServerContext = Depends(context)) -> StreamingResponse:
    started = time.perf_counter()
    engine = ctx.engine()
    if body.model not in MODELS:
        raise InvalidInputError(f"model {body.model!r} not found; available: {', '.join(MODELS)}")
    text = ctx.check_text(body.input)
    stream = engine.synthesize_stream(text, ctx.voice_id(body.voice), speed=body.speed)
    job = start(ctx.scheduler, stream, len(text), "/v1/audio/speech", started, ctx.settings.request_timeout_seconds)
    outcome = Outcome()
    source = chunks(job, ctx.scheduler, ctx.metrics, outcome)
    headers = {"X-Sample-Rate": str(stream.sample_rate), "X-Voice": stream.voice}
    if body.stream_format == "sse":
        events = sse_events(source, body.response_format, stream.sample_rate, len(text), outcome)
        return StreamingResponse(events, media_type="text/event-stream", headers=headers | {"Cache-Control": "no-cache"})
    audio = encoded(source, body.response_format, stream.sample_rate)
    return StreamingResponse(audio, media_type=CONTENT_TYPES[body.response_format], headers=headers)


@router.get("/models", response_model=ModelList)
def models() -> ModelList:
    return ModelList.of(MODELS)


@router.get("/voices", response_model=VoiceList)
def voices(ctx: ServerContext = Depends(context)) -> VoiceList:
    return VoiceList.of(ctx.engine().voices.all(), ctx.settings.openai_voice_map)
