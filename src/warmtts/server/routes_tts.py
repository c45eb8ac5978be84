"""POST /tts: synthesise a whole clip, keep it in the audio store, answer with its URL."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from warmtts.audio.formats import CONTENT_TYPES
from warmtts.server.audio_store import content_type
from warmtts.server.auth import require_key
from warmtts.server.context import ServerContext, context
from warmtts.server.schemas import ERROR_RESPONSES, TtsRequest, TtsResponse

router = APIRouter(dependencies=[Depends(require_key)], responses=ERROR_RESPONSES)


@router.post("/tts", response_model=TtsResponse)
async def tts(body: TtsRequest, ctx: ServerContext = Depends(context)) -> TtsResponse:
    ctx.store.require()  # no clip we could not keep
    async with ctx.service.open(body.synthesis()) as job:
        await job.run()
    assert job.kept_url is not None  # run() raised if the store failed
    return TtsResponse(
        audio_url=job.kept_url,
        duration_seconds=round(job.audio_seconds, 3),
        sample_rate=job.sample_rate,
        voice=job.voice,
        format=body.format,
    )


@router.get(
    "/audio/{name}",
    response_class=StreamingResponse,
    responses={200: {"description": "The stored audio file.", "content": {m: {} for m in sorted(set(CONTENT_TYPES.values()))}}},
)
def audio(name: str, ctx: ServerContext = Depends(context)) -> StreamingResponse:
    """Streamed from the store by whichever replica gets the request."""
    stored = ctx.store.open(name)
    if stored is None:
        raise HTTPException(404, "audio not found; it may have expired")
    return StreamingResponse(
        stored.chunks, media_type=content_type(name), headers={"Content-Length": str(stored.size)},
        background=BackgroundTask(stored.close),
    )
