"""Journey results and customer traces from the analytics service, for the console.

Each route forwards to one analytics endpoint (`WAYMARK_ENGINE_API_ANALYTICS_URL`) and answers
its body unchanged; see `analytics_proxy` for how failures are answered.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query

from waymark.core.journeys import Category
from waymark.journey_engine.api.analytics_proxy import AnalyticsProxy
from waymark.journey_engine.api.auth import require
from waymark.journey_engine.api.context import ApiContext, context
from waymark.journey_engine.api.errors import ErrorBody
from waymark.journey_engine.api.routes.journeys import JourneyId

__all__ = ["router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody, "description": "no such journey, or analytics is not configured"},
    409: {"model": ErrorBody, "description": "no split with a control group, or no goal"},
    422: {"model": ErrorBody},
    503: {"model": ErrorBody, "description": "analytics does not answer"},
}
_MAX_VERSION = 2_147_483_647

router = APIRouter(
    prefix="/v1/analytics",
    tags=["analytics"],
    responses=_ERRORS,
    dependencies=[Depends(require("viewer"))],
)

Ctx = Annotated[ApiContext, Depends(context)]
Version = Annotated[
    int | None, Query(ge=1, le=_MAX_VERSION, description="one version only (default: all)")
]
AnalyticsBody = dict[str, Any]


def _proxy(ctx: ApiContext) -> AnalyticsProxy:
    return AnalyticsProxy(ctx.settings.analytics_url)


@router.get("/journeys", response_model=AnalyticsBody)
async def journey_table(
    ctx: Ctx,
    type: Annotated[Category, Query(description="marketing or transactional")] = "marketing",
) -> Any:
    """Per journey of the type: steps in progress and completed, executions, conversions."""
    return await _proxy(ctx).get("/v1/journeys/stats", {"type": type})


@router.get("/journeys/{journey_id}/summary", response_model=AnalyticsBody)
async def journey_summary(ctx: Ctx, journey_id: JourneyId) -> Any:
    """Entries, in progress, completed, exited, converted, per version and in total."""
    return await _proxy(ctx).get(f"/v1/journeys/{journey_id}/summary")


@router.get("/journeys/{journey_id}/steps", response_model=AnalyticsBody)
async def journey_steps(ctx: Ctx, journey_id: JourneyId, version: Version = None) -> Any:
    """Each step's status (pending, in progress, completed, failed) and counts."""
    return await _proxy(ctx).get(f"/v1/journeys/{journey_id}/steps", {"version": version})


@router.get("/journeys/{journey_id}/funnel", response_model=AnalyticsBody)
async def journey_funnel(ctx: Ctx, journey_id: JourneyId, version: Version = None) -> Any:
    """The milestone funnel, from entry to conversion."""
    return await _proxy(ctx).get(f"/v1/journeys/{journey_id}/funnel", {"version": version})


@router.get("/journeys/{journey_id}/messages", response_model=AnalyticsBody)
async def journey_messages(ctx: Ctx, journey_id: JourneyId, version: Version = None) -> Any:
    """Messages per channel and status, with rates."""
    return await _proxy(ctx).get(f"/v1/journeys/{journey_id}/messages", {"version": version})


@router.get("/journeys/{journey_id}/lift", response_model=AnalyticsBody)
async def journey_lift(
    ctx: Ctx,
    journey_id: JourneyId,
    step_id: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="the split step (default: the first)"),
    ] = None,
) -> Any:
    """Holdout lift: conversion of the treatment against the control group, with its interval."""
    return await _proxy(ctx).get(f"/v1/journeys/{journey_id}/lift", {"step_id": step_id})


@router.get("/customers/{customer_id}/trace", response_model=AnalyticsBody)
async def customer_trace(
    ctx: Ctx,
    customer_id: Annotated[str, Path(min_length=1, max_length=256, description="a customer id")],
    limit: Annotated[int | None, Query(ge=1, le=5000)] = None,
) -> Any:
    """The customer's decisions across journeys, and every skipped send with its reason."""
    path = f"/v1/customers/{quote(customer_id, safe='')}/trace"
    return await _proxy(ctx).get(path, {"limit": limit})
