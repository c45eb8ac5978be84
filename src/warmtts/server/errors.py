"""Our exceptions → HTTP statuses, once, with OpenAI's error body; never a stack trace out."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from warmtts.errors import (
    InvalidInputError,
    LexiconError,
    NotReadyError,
    OverloadedError,
    StoreUnavailableError,
    SynthesisFailedError,
    SynthesisTimeoutError,
    UnauthorizedError,
    WarmttsError,
)

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "1"


def error_response(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return JSONResponse(body, status_code=status, headers=headers)


def validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


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


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = validation_message(exc)
        if request.method == "POST" and not request.headers.get("content-type", "").startswith("application/json"):
            message = f"send a JSON body with Content-Type: application/json ({message})"
        return error_response(400, message, "invalid_request_error")

    @app.exception_handler(WarmttsError)
    async def _ours(request: Request, exc: WarmttsError) -> JSONResponse:
        status, kind, headers = error_kind(exc)
        if status != 500:
            return error_response(status, str(exc), kind, headers)
        if not isinstance(exc, SynthesisFailedError):  # that one was logged with its cause where it failed
            log.error("request failed path=%s error=%r", request.url.path, exc)
        return error_response(status, "internal error", kind, headers)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if detail == "There was an error parsing the body":  # FastAPI's words for undecodable bytes
            detail = "body is not valid UTF-8 JSON"
        return error_response(exc.status_code, detail, "invalid_request_error", getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error path=%s", request.url.path)
        return error_response(500, "internal error", "server_error")
