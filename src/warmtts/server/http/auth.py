"""Optional Bearer-key authentication (WARMTTS_API_KEY); compared in constant time.

The dependencies are `async def`: FastAPI runs a plain `def` dependency on its thread pool, a
thread hop per request that made each of a burst's 48 requests wait for a pool thread (and the
interpreter) before it was even refused.
"""

from __future__ import annotations

import hmac

from fastapi import Depends, Request

from warmtts.config import Settings
from warmtts.errors import UnauthorizedError
from warmtts.server.context import ServerContext, context


def key_matches(settings: Settings, token: str) -> bool:
    """Whether `token` is the API key (always, when none is set)."""
    key = settings.api_key
    return key is None or hmac.compare_digest(token.strip().encode(), key.get_secret_value().encode())


def bearer_token(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    return token if scheme.lower() == "bearer" else None


def check_key(request: Request, settings: Settings) -> None:
    if settings.api_key is None:
        return
    token = bearer_token(request.headers.get("Authorization", ""))
    if token is None or not key_matches(settings, token):
        raise UnauthorizedError("missing or wrong API key: send 'Authorization: Bearer <key>'")


async def require_key(request: Request, ctx: ServerContext = Depends(context)) -> None:
    check_key(request, ctx.settings)


async def require_key_for_ops(request: Request, ctx: ServerContext = Depends(context)) -> None:
    if ctx.settings.auth_ops_endpoints:
        check_key(request, ctx.settings)
