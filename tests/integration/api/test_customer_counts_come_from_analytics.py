"""The count of customers staying on a version (shown when an active journey is edited and by
`waymark plan`) comes from analytics' summary over HTTP; an unreachable analytics leaves the
count unknown and never fails the edit."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from served import serve_in_thread

from waymark.journey_engine.api.counts import AnalyticsCustomerCounts


def _analytics_stand_in() -> FastAPI:
    # A real HTTP server answering the analytics summary shape for one journey.
    app = FastAPI()

    @app.get("/v1/journeys/{journey_id}/summary")
    async def summary(journey_id: str) -> dict[str, Any]:
        return {
            "journey_id": journey_id,
            "versions": [{"version": 1, "in_progress": 7}, {"version": 2, "in_progress": 0}],
        }

    return app


async def test_counts_come_from_the_analytics_summary() -> None:
    with serve_in_thread(_analytics_stand_in()) as url:
        counts = AnalyticsCustomerCounts(url)
        assert await counts.customers_in_version("welcome", 1) == 7
        assert await counts.customers_in_version("welcome", 2) == 0
        assert await counts.customers_in_version("welcome", 3) == 0


async def test_unreachable_analytics_leaves_the_count_unknown() -> None:
    counts = AnalyticsCustomerCounts("http://127.0.0.1:9", timeout=0.5)
    assert await counts.customers_in_version("welcome", 1) is None
