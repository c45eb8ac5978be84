"""Optional Bearer-key authentication (WARMTTS_API_KEY); compared in constant time."""

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


def require_key(request: Request, ctx: ServerContext = Depends(context)) -> None:
    if ctx.settings.api_key is None:
        return
    token = bearer_token(request.headers.get("Authorization", ""))
    if token is None or not key_matches(ctx.settings, token):
        raise UnauthorizedError("missing or wrong API key: send 'Authorization: Bearer <key>'")


def require_key_for_ops(request: Request, ctx: ServerContext = Depends(context)) -> None:
    if ctx.settings.auth_ops_endpoints:
        require_key(request, ctx)
