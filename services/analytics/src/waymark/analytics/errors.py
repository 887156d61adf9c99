"""Every refused request gets a 4xx (or a 503) whose body names the field and the reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from waymark.analytics.schemas import FieldError
from waymark.core.errors import WaymarkError

__all__ = [
    "ApiError",
    "ConflictError",
    "InvalidError",
    "NotFoundError",
    "error_body",
    "install_error_handlers",
]

log = structlog.get_logger(__name__)

_SOURCES = ("query", "path", "header", "cookie", "body")


class ApiError(WaymarkError):
    """An error the API answers with its status and one field error."""

    status = 400

    def __init__(self, reason: str, field: str | None = None) -> None:
        """One error with its reason and, when one is to blame, the field."""
        self.error = FieldError(field=field, reason=reason)
        super().__init__(reason)


class NotFoundError(ApiError):
    """No such journey or version (404)."""

    status = 404


class InvalidError(ApiError):
    """A parameter is well-formed but unusable, e.g. a window reaching before year 1 (422)."""

    status = 422


class ConflictError(ApiError):
    """The journey lacks what the request needs, e.g. a goal or a control group (409)."""

    status = 409


def error_body(errors: Sequence[FieldError]) -> dict[str, Any]:
    """The body of every error response: `{"errors": [{"field", "reason"}]}`."""
    return {"errors": [error.model_dump() for error in errors]}


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[1:] if len(loc) > 1 and loc[0] in _SOURCES else loc
        errors.append(
            FieldError(field=".".join(where) or None, reason=str(error.get("msg", "invalid")))
        )
    return errors


def install_error_handlers(app: FastAPI) -> None:
    """Answer refused requests with `{"errors": [...]}`; a database outage is a 503."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body([exc.error]), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(_field_errors(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = exc.detail if isinstance(exc.detail, str) else "request refused"
        return JSONResponse(
            error_body([FieldError(field=None, reason=reason)]),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(PyMongoError)
    async def _database_down(request: Request, exc: PyMongoError) -> JSONResponse:
        log.warning("query_failed", path=request.url.path, error=str(exc))
        body = error_body([FieldError(field=None, reason="the aggregates store is unavailable")])
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
