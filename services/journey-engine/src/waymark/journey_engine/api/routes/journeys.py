"""Journeys: create, read, list, edit, delete, and the lifecycle transitions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response

from waymark.core.journeys import Category
from waymark.journey_engine.api.auth import require
from waymark.journey_engine.api.context import ApiContext, context
from waymark.journey_engine.api.errors import ErrorBody
from waymark.journey_engine.api.openapi import JOURNEY_BODY
from waymark.journey_engine.api.schemas import JourneyDetail, JourneyList, JourneySummary, UpdateOut
from waymark.journey_engine.api.store import Status

__all__ = ["JourneyId", "router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422, 503)
}

router = APIRouter(prefix="/v1/journeys", tags=["journeys"], responses=_ERRORS)

JourneyId = Annotated[str, Path(pattern=r"^[a-z0-9-]{3,64}$", description="the journey's slug")]
JourneyBody = Annotated[dict[str, Any], Body(description="a journey document (JOURNEYS.md)")]
Ctx = Annotated[ApiContext, Depends(context)]


@router.get("", response_model=JourneyList, dependencies=[Depends(require("viewer"))])
async def list_journeys(
    ctx: Ctx,
    type: Annotated[Category | None, Query(description="marketing or transactional")] = None,
    status: Annotated[Status | None, Query(description="draft, active, paused or archived")] = None,
) -> JourneyList:
    """Journeys by id, filtered by type and status."""
    records = await ctx.journeys.find(type=type, status=status)
    return JourneyList(journeys=[JourneySummary.of(record) for record in records])


@router.post(
    "",
    status_code=201,
    response_model=JourneyDetail,
    dependencies=[Depends(require("editor"))],
    openapi_extra=JOURNEY_BODY,
)
async def create_journey(ctx: Ctx, document: JourneyBody) -> JourneyDetail:
    """Create a journey as a draft; 409 when the id is taken, 422 naming each problem."""
    return JourneyDetail.of(await ctx.journeys.create(document))


@router.get(
    "/{journey_id}", response_model=JourneyDetail, dependencies=[Depends(require("viewer"))]
)
async def get_journey(ctx: Ctx, journey_id: JourneyId) -> JourneyDetail:
    """One journey with its current definition."""
    return JourneyDetail.of(await ctx.journeys.get(journey_id))


@router.put(
    "/{journey_id}",
    response_model=UpdateOut,
    dependencies=[Depends(require("editor"))],
    openapi_extra=JOURNEY_BODY,
)
async def update_journey(ctx: Ctx, journey_id: JourneyId, document: JourneyBody) -> UpdateOut:
    """Edit a draft in place; editing an active or paused journey publishes a new version."""
    update = await ctx.journeys.update(journey_id, document)
    return UpdateOut(
        journey=JourneyDetail.of(update.journey),
        published_version=update.published_version,
        customers_in_older_versions=update.customers_in_older_versions,
    )


@router.delete("/{journey_id}", status_code=204, dependencies=[Depends(require("admin"))])
async def delete_journey(ctx: Ctx, journey_id: JourneyId) -> Response:
    """Delete a draft or an archived journey; 409 with the reason otherwise."""
    await ctx.journeys.delete(journey_id)
    return Response(status_code=204)


@router.post(
    "/{journey_id}/activate",
    response_model=JourneyDetail,
    dependencies=[Depends(require("editor"))],
)
async def activate_journey(ctx: Ctx, journey_id: JourneyId) -> JourneyDetail:
    """Publish a draft as its first version and make it active."""
    return JourneyDetail.of(await ctx.journeys.activate(journey_id))


@router.post(
    "/{journey_id}/pause", response_model=JourneyDetail, dependencies=[Depends(require("editor"))]
)
async def pause_journey(ctx: Ctx, journey_id: JourneyId) -> JourneyDetail:
    """Pause an active journey."""
    return JourneyDetail.of(await ctx.journeys.pause(journey_id))


@router.post(
    "/{journey_id}/resume", response_model=JourneyDetail, dependencies=[Depends(require("editor"))]
)
async def resume_journey(ctx: Ctx, journey_id: JourneyId) -> JourneyDetail:
    """Resume a paused journey."""
    return JourneyDetail.of(await ctx.journeys.resume(journey_id))


@router.post(
    "/{journey_id}/archive",
    response_model=JourneyDetail,
    dependencies=[Depends(require("editor"))],
)
async def archive_journey(ctx: Ctx, journey_id: JourneyId) -> JourneyDetail:
    """Archive an active or paused journey."""
    return JourneyDetail.of(await ctx.journeys.archive(journey_id))
