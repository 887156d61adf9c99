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


@router.get(
    "/readyz",
    response_model=None,
    responses={503: {"description": "a check is not `ok`; the body names each and why"}},
)
async def readyz(ctx: Annotated[ApiContext, Depends(context)]) -> JSONResponse:
    """MongoDB and the broker answer and the start-up republish pass is done: `{"ready": true,
    "checks": {"kafka": "ok", "mongo": "ok", "republish": "ok"}}`; else 503 naming each check
    that is not `ok` and why."""
    verdict = await ctx.ready()
    return JSONResponse(verdict.body(), status_code=verdict.status)


@router.get("/metrics")
async def metrics() -> Response:
    """Every Waymark metric of this process in the Prometheus text format."""
    body, content_type = render_metrics()
    return Response(content=body, media_type=content_type)
