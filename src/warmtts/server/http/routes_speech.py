"""The OpenAI-compatible API: POST /v1/audio/speech (streamed), GET /v1/models, GET /v1/voices."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from warmtts.audio.formats import CONTENT_TYPES
from warmtts.server.context import ServerContext, context
from warmtts.server.http.auth import require_key
from warmtts.server.http.responses import JobResponse
from warmtts.server.http.schemas import ERROR_RESPONSES, MODELS, ModelList, SpeechRequest, VoiceList

router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)], responses=ERROR_RESPONSES)

_SSE_EVENT = {
    "type": "object",
    "description": "One event; `data` is JSON: speech.audio.timestamps (`marks`: each `start`, `end` in seconds "
    "from the first sample, `offset`, `length` in code points of `input`, and `text`; just before the delta "
    "whose audio they begin in, and possibly ahead of it), speech.audio.delta (base64 `audio`, `progress`), "
    "speech.audio.done (`usage`, timings, `audio_url` with download_format) or error (`error.message`).",
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
async def speech(body: SpeechRequest, ctx: ServerContext = Depends(context)) -> JobResponse:
    headers = {"X-Instructions": body.reading().header()} if body.instructions else {}
    return JobResponse(ctx.service.open(body.synthesis()), ctx.settings.send_timeout_seconds, headers)


@router.get("/models", response_model=ModelList)
def models() -> ModelList:
    return ModelList.of(MODELS)


@router.get("/voices", response_model=VoiceList)
def voices(ctx: ServerContext = Depends(context)) -> VoiceList:
    return VoiceList.of(ctx.service.engine().voices.all(), ctx.settings.openai_voice_map)
