"""Optional Bearer-key authentication (WARMTTS_API_KEY); compared in constant time."""

from __future__ import annotations

import hmac

from fastapi import Depends, Request

from warmtts.errors import UnauthorizedError
from warmtts.server.context import ServerContext, context


def require_key(request: Request, ctx: ServerContext = Depends(context)) -> None:
    key = ctx.settings.api_key
    if key is None:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), key.get_secret_value().encode()):
        raise UnauthorizedError("missing or wrong API key: send 'Authorization: Bearer <key>'")


def require_key_for_ops(request: Request, ctx: ServerContext = Depends(context)) -> None:
    if ctx.settings.auth_ops_endpoints:
        require_key(request, ctx)
