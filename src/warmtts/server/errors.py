"""Our exceptions as a status and an error type, once, for every protocol: HTTP answers with
them, Wyoming's and the realtime socket's error events carry them."""

from __future__ import annotations

from warmtts.errors import (
    InvalidInputError,
    LexiconError,
    NotReadyError,
    OverloadedError,
    StoreUnavailableError,
    SynthesisTimeoutError,
    UnauthorizedError,
    WarmttsError,
)

RETRY_AFTER_SECONDS = "1"


def error_kind(exc: WarmttsError) -> tuple[int, str, dict[str, str] | None]:
    """Each of our exceptions as (HTTP status, OpenAI error type, headers): once, for HTTP and
    for Wyoming's Error events alike."""
    if isinstance(exc, InvalidInputError):
        return 400, "invalid_request_error", None
    if isinstance(exc, LexiconError):
        return 422, "invalid_request_error", None
    if isinstance(exc, NotReadyError):
        return 503, "service_unavailable", {"Retry-After": RETRY_AFTER_SECONDS}
    if isinstance(exc, OverloadedError):
        return 429, "rate_limit_exceeded", {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, StoreUnavailableError):
        return 503, "service_unavailable", {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, UnauthorizedError):
        return 401, "authentication_error", {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, SynthesisTimeoutError):  # no Retry-After: the same text would time out again
        return 503, "timeout", None
    return 500, "server_error", None
