"""The streamed response that owns its job: it sends what the job yields and, in its
`finally`, closes the job, which gives the request's capacity back at once, whether the
stream ended, failed, or the client went away before or during it."""

from __future__ import annotations

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from warmtts.audio.formats import CONTENT_TYPES
from warmtts.server.job import Job


class JobResponse(StreamingResponse):
    def __init__(self, job: Job) -> None:
        self.job = job
        headers = {"X-Sample-Rate": str(job.sample_rate), "X-Voice": job.voice}
        if job.request.framing == "sse":
            super().__init__(job.body(), media_type="text/event-stream", headers=headers | {"Cache-Control": "no-cache"})
        else:
            super().__init__(job.body(), media_type=CONTENT_TYPES[job.request.format], headers=headers)

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if self.job.failed and self.job.request.framing == "audio":
            return  # no final empty chunk: the server closes the connection, so the client sees a cut stream
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                await self.body_iterator.aclose()  # type: ignore[attr-defined]
            finally:
                self.job.close()
