"""Templates: CRUD with a category and channel parts, their syntax checked at save."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from waymark.core.adapters.mongo import DuplicateError
from waymark.core.journeys import Category, parse_journey
from waymark.core.templates import Template
from waymark.journey_engine.api.auth import require
from waymark.journey_engine.api.context import ApiContext, context
from waymark.journey_engine.api.errors import ConflictError, ErrorBody, InvalidError, NotFoundError
from waymark.journey_engine.api.preview import TemplatePreviewIn, TemplatePreviewOut, render_preview
from waymark.journey_engine.api.template_store import checked_template

__all__ = ["router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422)
}

router = APIRouter(prefix="/v1/templates", tags=["templates"], responses=_ERRORS)

Ctx = Annotated[ApiContext, Depends(context)]
TemplateId = Annotated[str, Path(min_length=1, max_length=128, description="the template id")]


class TemplateList(BaseModel):
    """Templates by id."""

    templates: list[Template]


@router.get("", response_model=TemplateList, dependencies=[Depends(require("viewer"))])
async def list_templates(
    ctx: Ctx,
    category: Annotated[Category | None, Query(description="marketing or transactional")] = None,
) -> TemplateList:
    """Templates by id, of one category when given."""
    return TemplateList(templates=await ctx.templates.find(category))


@router.post(
    "", status_code=201, response_model=Template, dependencies=[Depends(require("editor"))]
)
async def create_template(ctx: Ctx, template: Template) -> Template:
    """Create a template; 400 naming the part whose syntax is wrong, 409 when the id is taken."""
    try:
        return await ctx.templates.insert(checked_template(template), now=ctx.clock())
    except DuplicateError:
        raise ConflictError(f"a template with id '{template.id}' exists already", "id") from None


@router.post(
    "/preview", response_model=TemplatePreviewOut, dependencies=[Depends(require("viewer"))]
)
async def preview_template(body: TemplatePreviewIn) -> TemplatePreviewOut:
    """Render one channel of a template (saved or not) from sample data, as dispatch would."""
    return await run_in_threadpool(render_preview, body)


@router.get("/{template_id}", response_model=Template, dependencies=[Depends(require("viewer"))])
async def get_template(ctx: Ctx, template_id: TemplateId) -> Template:
    """One template."""
    found = await ctx.templates.get(template_id)
    if found is None:
        raise NotFoundError(f"no template '{template_id}'", "id")
    return found


@router.put("/{template_id}", response_model=Template, dependencies=[Depends(require("editor"))])
async def replace_template(ctx: Ctx, template_id: TemplateId, template: Template) -> Template:
    """Replace a template with its next version; its syntax is checked like at creation."""
    if template.id != template_id:
        raise InvalidError(f"the id '{template.id}' differs from '{template_id}' in the path", "id")
    current = await ctx.templates.get(template_id)
    if current is None:
        raise NotFoundError(f"no template '{template_id}'", "id")
    checked = checked_template(template)
    stored = await ctx.templates.replace(checked, current=current.version, now=ctx.clock())
    if stored is None:
        raise ConflictError(f"template '{template_id}' was changed by another request; retry")
    return stored


@router.delete("/{template_id}", status_code=204, dependencies=[Depends(require("admin"))])
async def delete_template(ctx: Ctx, template_id: TemplateId) -> Response:
    """Delete a template no active or paused journey sends; 409 naming those that do."""
    users = [
        journey.id
        for journey in await ctx.journeys.find()
        if journey.status in ("active", "paused")
        and template_id in parse_journey(journey.definition).send_templates()
    ]
    if users:
        raise ConflictError(
            f"template '{template_id}' is sent by live journeys: {', '.join(users)}"
        )
    if not await ctx.templates.delete(template_id):
        raise NotFoundError(f"no template '{template_id}'", "id")
    return Response(status_code=204)
