"""Liveness, readiness and metrics: open to orchestrators and scrapers."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from warmtts.preload import PreloadState
from warmtts.server.context import ServerContext, context
from warmtts.server.errors import RETRY_AFTER_SECONDS

router = APIRouter()


@router.get("/health")
def health(ctx: ServerContext = Depends(context)) -> dict[str, str]:
    """200 while the process can answer; the preload state says whether it can synthesise."""
    return {"status": "ok", "preload": ctx.preloader.state.value}


@router.get("/ready")
def ready(ctx: ServerContext = Depends(context)) -> JSONResponse:
    report = ctx.preloader.report()
    if ctx.preloader.state is PreloadState.READY:
        return JSONResponse({"status": "ready", "preload": report})
    return JSONResponse(
        {"status": report["state"], "preload": report}, status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS}
    )


@router.get("/metrics")
def metrics(ctx: ServerContext = Depends(context)) -> Response:
    for step, seconds in ctx.preloader.report()["steps"].items():
        ctx.metrics.preload.labels(step).set(seconds)
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
