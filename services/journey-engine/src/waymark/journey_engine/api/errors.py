"""Every API error is a 4xx whose body names the field and the reason: `{"errors": [...]}`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from waymark.core.errors import Problem, WaymarkError

__all__ = [
    "ApiError",
    "ConflictError",
    "ErrorBody",
    "FieldError",
    "ForbiddenError",
    "InvalidError",
    "NotFoundError",
    "UnauthorizedError",
    "UnavailableError",
    "install_error_handlers",
]

_log = structlog.get_logger("waymark.journey_engine.api")


class FieldError(BaseModel):
    """One reason a request was refused; `field` is null when no single field is to blame."""

    field: str | None
    reason: str


class ErrorBody(BaseModel):
    """The body of every error response."""

    errors: list[FieldError]


class ApiError(WaymarkError):
    """An error the API answers with its status and a list of field errors."""

    status: int = 400

    def __init__(self, reason: str, field: str | None = None) -> None:
        """One error with its reason and, when one is to blame, the field."""
        self.errors = [FieldError(field=field, reason=reason)]
        super().__init__(reason)

    @classmethod
    def of(cls, errors: Iterable[FieldError]) -> ApiError:
        """An error with several field errors at once."""
        listed = list(errors)
        error = cls(listed[0].reason if listed else "invalid request")
        error.errors = listed or error.errors
        return error

    @classmethod
    def from_problems(cls, problems: Sequence[Problem], prefix: str = "") -> ApiError:
        """Definition problems as field errors; `prefix` places the document in the body."""
        return cls.of(
            FieldError(field=_join(prefix, problem.path) or None, reason=problem.message)
            for problem in problems
        )


class InvalidError(ApiError):
    """The request is well-formed but its content is rejected (422)."""

    status = 422


class UnauthorizedError(ApiError):
    """No token, or one the API does not know (401)."""

    status = 401


class ForbiddenError(ApiError):
    """The token's role is too low, or the target is not allowed (403)."""

    status = 403


class NotFoundError(ApiError):
    """No such journey, version or template (404)."""

    status = 404


class ConflictError(ApiError):
    """The journey's current state forbids the operation (409), with the reason."""

    status = 409


class UnavailableError(ApiError):
    """A dependency (Kafka, MongoDB) is down for now: retry later (503)."""

    status = 503


_SOURCES = ("body", "query", "path", "header", "cookie")


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def _location(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _body(errors: Sequence[FieldError]) -> dict[str, Any]:
    return ErrorBody(errors=list(errors)).model_dump()


def _validation_errors(exc: RequestValidationError) -> tuple[int, list[FieldError]]:
    """Pydantic's request errors as field errors; unparseable JSON is a 400, the rest 422."""
    status = 422
    errors: list[FieldError] = []
    for error in exc.errors():
        loc = [part for part in error.get("loc", ()) if isinstance(part, int | str)]
        if error.get("type") == "json_invalid":
            status = 400
            reason = (
                f"the body is not valid JSON: {error.get('ctx', {}).get('error', 'parse error')}"
            )
            errors.append(FieldError(field="body", reason=reason))
            continue
        reason = str(error.get("msg", "invalid value"))
        # ("body", "channels", "email") names `channels.email`; the whole body stays `body`.
        where = loc[1:] if len(loc) > 1 and loc[0] in _SOURCES else loc
        errors.append(FieldError(field=_location(where) or None, reason=reason))
    return status, errors


def install_error_handlers(app: FastAPI) -> None:
    """Answer every refused request with `{"errors": [...]}` and never with a bare 500."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_body(exc.errors), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        status, errors = _validation_errors(exc)
        return JSONResponse(_body(errors), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = exc.detail if isinstance(exc.detail, str) else "request refused"
        return JSONResponse(
            _body([FieldError(field=None, reason=reason)]),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug, not bad input: logged with its traceback, answered without internals.
        _log.exception("request_failed", path=request.url.path, method=request.method)
        return JSONResponse(
            _body([FieldError(field=None, reason="internal error; it has been logged")]),
            status_code=500,
        )
