"""The streamed response that owns its job: it sends what the job yields and, in its
`finally`, closes the job, which gives the request's capacity back at once, whether the
stream ended, failed, or the client went away before or during it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from warmtts.audio.formats import CONTENT_TYPES
from warmtts.server.http.abort import abort
from warmtts.server.synthesis.job import Job

IGNORED_TAGS_HEADER = "X-SSML-Ignored-Tags"
INPUT_FORMAT_HEADER = "X-Input-Format"


def ssml_headers(job: Job) -> dict[str, str]:
    """`X-Input-Format: ssml` or `text`: how the server read the input (the web page dims tags
    only then, so no second rule for "is this SSML" lives in the page), and the ignored tags."""
    return {INPUT_FORMAT_HEADER: "ssml" if job.ssml else "text"} | ignored_tags_header(job.ignored_tags)


def ignored_tags_header(tags: Sequence[str]) -> dict[str, str]:
    """`X-SSML-Ignored-Tags: emphasis, audio` when SSML tags we do not know were spoken as plain
    text (none: no header); a tag name outside ASCII is percent-encoded, as a header must be."""
    if not tags:
        return {}
    return {IGNORED_TAGS_HEADER: ", ".join(quote(tag, safe=":-_.") for tag in tags)}


class JobResponse(StreamingResponse):
    def __init__(self, job: Job, send_timeout_seconds: float, extra_headers: Mapping[str, str] | None = None) -> None:
        self.job = job
        self.send_timeout_seconds = send_timeout_seconds
        self._scope: Scope = {}
        headers = {"X-Sample-Rate": str(job.sample_rate), "X-Voice": job.voice} | ssml_headers(job)
        headers |= dict(extra_headers or {})
        if job.request.framing == "sse":
            super().__init__(job.body(), media_type="text/event-stream", headers=headers | {"Cache-Control": "no-cache"})
        else:
            super().__init__(job.body(), media_type=CONTENT_TYPES[job.request.format], headers=headers)

    async def stream_response(self, send: Send) -> None:
        """Send what the job yields; a client that takes nothing for `send_timeout_seconds`
        (its buffers full, its reader stalled) is dropped, and its work stops with it."""
        try:
            with anyio.fail_after(self.send_timeout_seconds):
                await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            async for chunk in self.body_iterator:
                with anyio.fail_after(self.send_timeout_seconds):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except TimeoutError:
            self.job.stalled(self.send_timeout_seconds)
            abort(self._scope)  # a polite close would wait for this client to read what is queued
            return
        if self.job.failed and self.job.request.framing == "audio":
            return  # no final empty chunk: the server closes the connection, so the client sees a cut stream
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._scope = scope
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                await self.body_iterator.aclose()  # type: ignore[attr-defined]
            finally:
                self.job.close()
