"""POST /tts: synthesise a whole clip, keep it and its subtitles in the audio store, answer with
their URLs and the clip's timestamps."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from warmtts.audio.formats import CONTENT_TYPES
from warmtts.server.context import ServerContext, context
from warmtts.server.http.auth import require_key
from warmtts.server.http.disconnect import while_connected
from warmtts.server.http.responses import ssml_headers
from warmtts.server.http.schemas import ERROR_RESPONSES, Timestamp, TtsRequest, TtsResponse
from warmtts.server.stores.base import content_type
from warmtts.text.subtitles import SUBTITLE_TYPES, subtitles

router = APIRouter(dependencies=[Depends(require_key)], responses=ERROR_RESPONSES)
_STORED_TYPES = sorted(set(CONTENT_TYPES.values()) | set(SUBTITLE_TYPES.values()))


# nginx's "client closed request": nobody receives it, but the request metrics say what happened.
CLIENT_CLOSED_REQUEST = 499


@router.post("/tts", response_model=TtsResponse)
async def tts(
    body: TtsRequest, request: Request, response: Response, ctx: ServerContext = Depends(context)
) -> TtsResponse | Response:
    """A client that goes away before the clip is done cancels its synthesis, and no file is kept."""
    ctx.store.require()  # no clip we could not keep
    async with ctx.service.open(body.synthesis()) as job:
        connected, _ = await while_connected(request, job.run())
    if not connected:
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    assert job.kept_url is not None  # run() raised if the store failed
    text = subtitles(job.marks, body.text, body.subtitles, ssml=job.ssml).encode()
    name = await asyncio.to_thread(ctx.store.put, text, body.subtitles)  # off the loop, as the audio was
    response.headers.update(ssml_headers(job))
    return TtsResponse(
        audio_url=job.kept_url,
        duration_seconds=round(job.audio_seconds, 3),
        sample_rate=job.sample_rate,
        voice=job.voice,
        format=body.format,
        timestamps=[Timestamp.model_validate(mark.to_dict(body.text)) for mark in job.marks],
        subtitles_url=ctx.store.audio_url(name),
    )


@router.get(
    "/audio/{name}",
    response_class=StreamingResponse,
    responses={200: {"description": "A stored audio or subtitle file.", "content": {m: {} for m in _STORED_TYPES}}},
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
