"""Liveness, readiness and Prometheus metrics; unauthenticated, for probes and scrapers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from waymark.core.observability.metrics import render_metrics
from waymark.journey_engine.api.context import ApiContext, context

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(ctx: Annotated[ApiContext, Depends(context)]) -> JSONResponse:
    """MongoDB and the broker answer, and the start-up republish pass is done; else 503."""
    problems = await ctx.ready()
    if problems:
        errors = [{"field": None, "reason": problem} for problem in problems]
        return JSONResponse({"errors": errors}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
async def metrics() -> Response:
    """Every Waymark metric of this process in the Prometheus text format."""
    body, content_type = render_metrics()
    return Response(content=body, media_type=content_type)
