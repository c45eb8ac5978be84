"""Our exceptions → HTTP answers with OpenAI's error body; never a stack trace out."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from warmtts.errors import SynthesisFailedError, WarmttsError
from warmtts.server.errors import error_kind

log = logging.getLogger(__name__)


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
