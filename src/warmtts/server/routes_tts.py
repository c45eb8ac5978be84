"""POST /tts: synthesise a whole clip, keep it in the audio store, answer with its URL."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from warmtts.audio.formats import CONTENT_TYPES
from warmtts.server.auth import require_key
from warmtts.server.context import ServerContext, context
from warmtts.server.schemas import ERROR_RESPONSES, TtsRequest, TtsResponse
from warmtts.server.synthesis import Outcome, chunks, start

router = APIRouter(dependencies=[Depends(require_key)], responses=ERROR_RESPONSES)


@router.post("/tts", response_model=TtsResponse)
async def tts(body: TtsRequest, ctx: ServerContext = Depends(context)) -> TtsResponse:
    import numpy as np

    from warmtts.audio.encode import encode_clip

    started = time.perf_counter()
    engine = ctx.engine()
    text = ctx.check_text(body.text)
    stream = engine.synthesize_stream(text, ctx.voice_id(body.voice), speed=body.speed)
    job = start(ctx.scheduler, stream, len(text), "/tts", started, ctx.settings.request_timeout_seconds)
    parts = [c.pcm async for c in chunks(job, ctx.scheduler, ctx.metrics, Outcome())]
    pcm = np.concatenate(parts) if parts else np.zeros(0, np.int16)
    data = await ctx.scheduler.run(lambda: encode_clip(pcm, stream.sample_rate, body.format))
    name = ctx.store.put(data, body.format)
    return TtsResponse(
        audio_url=f"/audio/{name}",
        duration_seconds=round(len(pcm) / stream.sample_rate, 3),
        sample_rate=stream.sample_rate,
        voice=stream.voice,
        format=body.format,
    )


@router.get(
    "/audio/{name}",
    response_class=FileResponse,
    responses={200: {"description": "The stored audio file.", "content": {m: {} for m in sorted(set(CONTENT_TYPES.values()))}}},
)
def audio(name: str, ctx: ServerContext = Depends(context)) -> FileResponse:
    path = ctx.store.path(name)
    if path is None:
        raise HTTPException(404, "audio not found; it may have expired")
    extension = path.suffix.lstrip(".")
    return FileResponse(path, media_type=CONTENT_TYPES[extension])  # type: ignore[index]
