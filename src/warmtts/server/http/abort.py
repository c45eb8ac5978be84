"""Dropping a connection at once, for a client that stopped reading.

Closing a connection politely waits until what is queued for it has been sent, and a client that
reads nothing never takes it: the socket, and the audio queued for it, would stay until that
client closes its end. uvicorn gives the app no handle on its connection, so
`AbortableConnections`, wrapped around the app where uvicorn calls it, puts one in the request's
scope; `abort(scope)` then resets the connection (RST: nothing more is sent, nothing waits).
"""

from __future__ import annotations

import contextlib
import socket
import struct
from collections.abc import Callable
from functools import partial
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_KEY = "warmtts.abort"


class AbortableConnections:
    """The app as uvicorn calls it, with each HTTP request's way to reset its connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = getattr(getattr(send, "__self__", None), "transport", None)  # uvicorn's request cycle
        if scope["type"] == "http" and transport is not None:
            scope["extensions"] = {**(scope.get("extensions") or {}), _KEY: partial(_reset, transport)}
        await self.app(scope, receive, send)


def _reset(transport: Any) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # linger 0: close sends RST and drops what is queued
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def abort(scope: Scope) -> bool:
    """Reset the request's connection now; False where the server offers no way (then the
    connection closes once the client takes what was queued, or closes its end)."""
    reset: Callable[[], None] | None = (scope.get("extensions") or {}).get(_KEY)
    if reset is None:
        return False
    reset()
    return True
