"""Who the caller is: the role of the token presented, so a client can hide what it may not do."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from waymark.journey_engine.api.auth import Caller, require
from waymark.journey_engine.api.errors import ErrorBody
from waymark.journey_engine.api.settings import Role

__all__ = ["CallerOut", "router"]

_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}}


class CallerOut(BaseModel):
    """The caller as the API sees it."""

    model_config = ConfigDict(frozen=True)

    role: Role


router = APIRouter(prefix="/v1", tags=["caller"], responses=_ERRORS)


@router.get("/me", response_model=CallerOut)
async def me(caller: Annotated[Caller, Depends(require("viewer"))]) -> CallerOut:
    """The role of the bearer token: viewer, editor or admin."""
    return CallerOut(role=caller.role)
