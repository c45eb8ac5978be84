"""Work that stops when its client goes away, for routes that answer only at the end.

A streamed response notices a gone client when a send fails; a route that synthesises a whole
clip first (/tts) sends nothing until it is done, so it listens for the disconnect itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import Request

T = TypeVar("T")


async def _disconnected(request: Request) -> None:
    """Return once the server says the client is gone (the request body was read already, so
    the next message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def while_connected(request: Request, work: Awaitable[T]) -> tuple[bool, T | None]:
    """Await `work` while the client stays; if it leaves first, cancel the work. Returns
    (True, the result), or (False, None) when the client went away; the work's errors propagate."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # the work has unwound (its awaits cancelled) before we return
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    if task.cancelled():
        return False, None
    return True, task.result()
