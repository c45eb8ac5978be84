"""POST /tts: synthesise a whole clip, keep it in the audio store, answer with its URL."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from warmtts.audio.formats import CONTENT_TYPES
from warmtts.server.auth import require_key
from warmtts.server.context import ServerContext, context
from warmtts.server.schemas import ERROR_RESPONSES, TtsRequest, TtsResponse

router = APIRouter(dependencies=[Depends(require_key)], responses=ERROR_RESPONSES)


@router.post("/tts", response_model=TtsResponse)
async def tts(body: TtsRequest, ctx: ServerContext = Depends(context)) -> TtsResponse:
    async with ctx.service.open(body.synthesis()) as job:
        await job.run()
    return TtsResponse(
        audio_url=f"/audio/{job.kept_name}",
        duration_seconds=round(job.audio_seconds, 3),
        sample_rate=job.sample_rate,
        voice=job.voice,
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
