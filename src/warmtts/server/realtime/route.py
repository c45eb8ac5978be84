"""GET /v1/audio/speech/realtime, upgraded to a WebSocket: the key, the session cap, a Session.

The API key comes as on every route (`Authorization: Bearer KEY`), or, from a browser, which
cannot set headers on a WebSocket, as a subprotocol: `new WebSocket(url, ["realtime",
"openai-insecure-api-key." + KEY])`, as OpenAI's realtime API takes it. Neither puts the key
in a URL, so it stays out of access logs; the server answers with the `realtime` subprotocol,
never the key. A refusal is an HTTP answer to the upgrade: 401 without the key, 429 (with
Retry-After) past `realtime_max_sessions`.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, WebSocket

from warmtts.server.http.auth import bearer_token, key_matches
from warmtts.server.context import ServerContext
from warmtts.server.http.error_handlers import error_response
from warmtts.server.realtime.metrics import RealtimeMetrics
from warmtts.server.realtime.options import ROUTE
from warmtts.server.realtime.session import Session

log = logging.getLogger(__name__)

SUBPROTOCOL = "realtime"
KEY_SUBPROTOCOL = "openai-insecure-api-key."

router = APIRouter()


class RealtimeSessions:
    """The open sessions of one app, capped, and their metrics."""

    def __init__(self, limit: int, metrics: RealtimeMetrics) -> None:
        self.limit = limit
        self.metrics = metrics
        self.open = 0

    def try_open(self) -> bool:
        if self.open >= self.limit:
            return False
        self.open += 1
        self.metrics.open.inc()
        return True

    def close(self) -> None:
        self.open -= 1
        self.metrics.open.dec()


def _token(socket: WebSocket) -> str | None:
    bearer = bearer_token(socket.headers.get("Authorization", ""))
    if bearer is not None:
        return bearer
    for protocol in socket.scope.get("subprotocols", []):
        if protocol.startswith(KEY_SUBPROTOCOL):
            return protocol.removeprefix(KEY_SUBPROTOCOL)
    return None


@router.websocket(ROUTE)
async def realtime(socket: WebSocket) -> None:
    ctx: ServerContext = socket.app.state.ctx
    sessions: RealtimeSessions = socket.app.state.realtime
    if ctx.settings.api_key is not None:
        token = _token(socket)
        if token is None or not key_matches(ctx.settings, token):
            sessions.metrics.sessions.labels("unauthorized").inc()
            message = (
                "missing or wrong API key: send 'Authorization: Bearer <key>', or from a browser the "
                f"subprotocols '{SUBPROTOCOL}' and '{KEY_SUBPROTOCOL}<key>'"
            )
            denial = error_response(401, message, "authentication_error", {"WWW-Authenticate": "Bearer"})
            await socket.send_denial_response(denial)
            return
    if not sessions.try_open():
        sessions.metrics.sessions.labels("refused").inc()
        message = f"server busy: {sessions.open} realtime sessions open (the limit); retry later"
        await socket.send_denial_response(error_response(429, message, "rate_limit_exceeded", {"Retry-After": "5"}))
        return
    try:
        sessions.metrics.sessions.labels("accepted").inc()
        offered = socket.scope.get("subprotocols", [])
        await socket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
        await Session(socket, ctx.service, ctx.settings, sessions.metrics).run()
    finally:
        sessions.close()
