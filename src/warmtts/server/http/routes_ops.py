"""Liveness, readiness and metrics: open to orchestrators and scrapers unless configured."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from warmtts.preload import PreloadState
from warmtts.server.context import ServerContext, context
from warmtts.server.errors import RETRY_AFTER_SECONDS
from warmtts.server.http.auth import require_key_for_ops
from warmtts.server.http.schemas import ERROR_RESPONSES

router = APIRouter(dependencies=[Depends(require_key_for_ops)], responses={401: ERROR_RESPONSES[401]})


@router.get("/health")
def health(ctx: ServerContext = Depends(context)) -> dict[str, str | bool]:
    """200 while the process can answer; the preload state says whether it can synthesise."""
    return {"status": "ok", "preload": ctx.preloader.state.value, "draining": ctx.service.draining}


@router.get("/ready", responses={503: {"description": "Preloading, failed, or shutting down."}})
def ready(ctx: ServerContext = Depends(context)) -> JSONResponse:
    """The audio store's state is reported, not required: a replica that cannot store can still
    stream (see store_monitor.py)."""
    report: dict[str, Any] = ctx.preloader.report()
    store = ctx.store.report()
    if ctx.service.draining:
        status = "draining"
    elif ctx.preloader.state is PreloadState.READY:
        return JSONResponse({"status": "ready", "preload": report, "store": store})
    else:
        status = report["state"]
    return JSONResponse(
        {"status": status, "preload": report, "store": store}, status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS}
    )


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(ctx: ServerContext = Depends(context)) -> Response:
    for step, seconds in ctx.preloader.report()["steps"].items():
        ctx.metrics.preload.labels(step).set(seconds)
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
