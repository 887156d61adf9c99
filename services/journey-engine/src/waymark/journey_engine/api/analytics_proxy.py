"""The analytics service as the console sees it: its read endpoints, asked over HTTP.

The console talks to one origin with one token; the API forwards its analytics questions to
`WAYMARK_ENGINE_API_ANALYTICS_URL`. Analytics' own 404, 409 and 422 answers pass through with
their field and reason; when analytics is not configured the answer is a 404 saying so, and
when it cannot be reached (or fails) a 503 saying that, so the console can show "unknown".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import structlog

from waymark.journey_engine.api.errors import (
    ApiError,
    ConflictError,
    FieldError,
    InvalidError,
    NotFoundError,
    UnavailableError,
)

__all__ = ["NOT_CONFIGURED", "AnalyticsProxy"]

_log = structlog.get_logger("waymark.journey_engine.api")

NOT_CONFIGURED = "analytics is not configured on this API (set WAYMARK_ENGINE_API_ANALYTICS_URL)"
"""The reason of the 404 every analytics route answers without an analytics URL."""

_PASSED_THROUGH: Mapping[int, type[ApiError]] = {
    404: NotFoundError,
    409: ConflictError,
    422: InvalidError,
}


def _errors_of(answer: httpx.Response) -> list[FieldError]:
    """The `{field, reason}` list of an analytics error body, or one generic reason."""
    try:
        body = answer.json()
        listed = [FieldError.model_validate(item) for item in body["errors"]]
    except Exception:  # any unexpected shape is summarized below
        listed = []
    return listed or [FieldError(field=None, reason=f"analytics answered {answer.status_code}")]


class AnalyticsProxy:
    """GETs analytics' read endpoints; errors become the API's own 4xx or 503."""

    def __init__(self, base_url: str | None, *, timeout: float = 5.0) -> None:
        """`base_url` None means analytics is not configured."""
        self._base_url = base_url.rstrip("/") if base_url else None
        self._timeout = timeout

    async def get(self, path: str, params: Mapping[str, str | int | None] | None = None) -> Any:
        """The JSON body analytics answers for `path` (already URL-quoted) and `params`."""
        if self._base_url is None:
            raise NotFoundError(NOT_CONFIGURED)
        query = {key: value for key, value in (params or {}).items() if value is not None}
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                answer = await client.get(f"{self._base_url}{path}", params=query)
        except httpx.HTTPError as exc:
            # Never the path: it may carry a customer id.
            _log.warning("analytics_unreachable", error=type(exc).__name__)
            raise UnavailableError(
                f"analytics did not answer ({type(exc).__name__}); counts are unknown for now"
            ) from None
        if answer.status_code == 200:
            try:
                return answer.json()
            except ValueError:
                raise UnavailableError("analytics answered something that is not JSON") from None
        refusal = _PASSED_THROUGH.get(answer.status_code)
        if refusal is not None:
            raise refusal.of(_errors_of(answer))
        _log.warning("analytics_failed", status=answer.status_code)
        raise UnavailableError.of(
            [
                FieldError(
                    field=error.field,
                    reason=f"analytics is unavailable ({answer.status_code}): {error.reason}",
                )
                for error in _errors_of(answer)
            ]
        )
