"""Published versions of a journey, one version's definition, and a diff between two."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from waymark.journey_engine.api.auth import require
from waymark.journey_engine.api.context import ApiContext, context
from waymark.journey_engine.api.docdiff import diff_documents
from waymark.journey_engine.api.errors import ErrorBody
from waymark.journey_engine.api.routes.journeys import JourneyId
from waymark.journey_engine.api.schemas import (
    VersionDetail,
    VersionDiff,
    VersionList,
    VersionSummary,
)

__all__ = ["router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 403, 404, 422)
}
# Versions are Avro ints and MongoDB int32s: a larger number can name no version.
_MAX_VERSION = 2_147_483_647

router = APIRouter(
    prefix="/v1/journeys",
    tags=["versions"],
    responses=_ERRORS,
    dependencies=[Depends(require("viewer"))],
)

Ctx = Annotated[ApiContext, Depends(context)]
VersionNumber = Annotated[int, Path(ge=1, le=_MAX_VERSION, description="a version number")]


@router.get("/{journey_id}/versions", response_model=VersionList)
async def list_versions(ctx: Ctx, journey_id: JourneyId) -> VersionList:
    """Every published version, oldest first, with the customers inside each when known."""
    versions = await ctx.journeys.versions(journey_id)
    return VersionList(
        versions=[
            VersionSummary.of(v, await ctx.journeys.customers_in(journey_id, v.version))
            for v in versions
        ]
    )


@router.get("/{journey_id}/versions/{version}", response_model=VersionDetail)
async def get_version(ctx: Ctx, journey_id: JourneyId, version: VersionNumber) -> VersionDetail:
    """One published version with its definition."""
    found = await ctx.journeys.version(journey_id, version)
    customers = await ctx.journeys.customers_in(journey_id, version)
    summary = VersionSummary.of(found, customers).model_dump()
    return VersionDetail(**summary, definition=found.definition)


@router.get("/{journey_id}/diff", response_model=VersionDiff, response_model_by_alias=True)
async def diff_versions(
    ctx: Ctx,
    journey_id: JourneyId,
    from_version: Annotated[int, Query(alias="from", ge=1, le=_MAX_VERSION)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=_MAX_VERSION)],
) -> VersionDiff:
    """Paths added, removed and changed from one version's document to another's."""
    old = await ctx.journeys.version(journey_id, from_version)
    new = await ctx.journeys.version(journey_id, to_version)
    diff = diff_documents(old.definition, new.definition)
    return VersionDiff(
        journey_id=journey_id,
        from_version=from_version,
        to_version=to_version,
        added=diff.added,
        removed=diff.removed,
        changed=diff.changed,
    )
