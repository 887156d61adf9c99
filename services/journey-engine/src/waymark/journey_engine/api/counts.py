"""How many customers are inside a journey version, asked of the analytics service."""

from __future__ import annotations

import httpx
import structlog

__all__ = ["AnalyticsCustomerCounts"]

log = structlog.get_logger(__name__)


class AnalyticsCustomerCounts:
    """`customers_in_version` from analytics' journey summary; None when it cannot say."""

    def __init__(self, base_url: str, *, timeout: float = 2.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout

    async def customers_in_version(self, journey_id: str, version: int) -> int | None:
        """Customers still in progress in `version`, or None (analytics down or unaware)."""
        url = f"{self._base_url}/v1/journeys/{journey_id}/summary"
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                answer = await client.get(url)
        except httpx.HTTPError as exc:
            # A count is a courtesy in the answer; an edit never fails for want of it.
            log.warning("analytics unreachable for customer counts", error=str(exc))
            return None
        if answer.status_code != 200:
            return None
        for row in answer.json().get("versions", []):
            if row.get("version") == version and isinstance(row.get("in_progress"), int):
                return int(row["in_progress"])
        return 0
