"""`/v1/analytics/...`: the console reads journey results and customer traces through the
API, which asks the analytics service; a missing or unreachable analytics is a clear 4xx or
503, never a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration.analytics.support import AnalyticsProcess, free_port
from waymark.core.settings import KafkaSettings
from waymark.journey_engine.api.analytics_proxy import NOT_CONFIGURED
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.context import ApiContext

from .support import Api, api_settings, journey_document

pytestmark = pytest.mark.timeout(180)


@asynccontextmanager
async def _served(
    build_services: Callable[..., AbstractAsyncContextManager[ApiContext]],
    kafka: KafkaSettings,
    analytics_url: str | None,
) -> AsyncIterator[Api]:
    settings = api_settings(analytics_url=analytics_url)
    app = create_app(lambda: build_services(settings=settings), max_body_bytes=64 * 1024)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            yield Api(http=http, ctx=app.state.services, kafka=kafka)


@pytest.fixture
def analytics(
    kafka_topics: KafkaSettings, mongo_url: str, mongo_db: Any, unique: str, tmp_path: Path
) -> Any:
    """A real analytics process on the test's topics, consuming."""
    process = AnalyticsProcess(
        kafka=kafka_topics,
        mongo_url=mongo_url,
        database=f"{mongo_db.name}a",
        group_id=f"analytics-{unique}",
        log_path=tmp_path / "analytics.log",
    ).start()
    yield process
    process.stop()


async def test_results_come_from_analytics(
    build_services: Any, kafka_topics: KafkaSettings, analytics: AnalyticsProcess
) -> None:
    await analytics.wait_ready()
    async with _served(build_services, kafka_topics, analytics.url) as api:
        await api.create_templates("welcome-email", "nudge-sms")
        await api.as_role("editor", "POST", "/v1/journeys", json=journey_document("proxied"))
        await api.as_role("editor", "POST", "/v1/journeys/proxied/activate")

        rows: list[Any] = []
        for _ in range(100):
            table = await api.as_role("viewer", "GET", "/v1/analytics/journeys?type=marketing")
            assert table.status_code == 200, table.text
            rows = table.json()["journeys"]
            if rows:
                break
            await asyncio.sleep(0.3)  # the consumer has yet to read the catalog record
        [row] = rows
        assert row["journey_id"] == "proxied"
        assert (row["executions"], row["steps_in_progress"], row["conversions"]) == (0, 0, 0)
        transactional = await api.as_role(
            "viewer", "GET", "/v1/analytics/journeys?type=transactional"
        )
        assert transactional.json()["journeys"] == []

        steps = await api.as_role("viewer", "GET", "/v1/analytics/journeys/proxied/steps")
        assert [s["step_id"] for s in steps.json()["steps"]] == [
            "welcome",
            "wait-order",
            "tag",
            "nudge",
        ]
        assert {s["status"] for s in steps.json()["steps"]} == {"pending"}
        funnel = await api.as_role("viewer", "GET", "/v1/analytics/journeys/proxied/funnel")
        assert [m["milestone_id"] for m in funnel.json()["milestones"]] == ["registered"]
        messages = await api.as_role("viewer", "GET", "/v1/analytics/journeys/proxied/messages")
        assert messages.json()["total"]["sent"] == 0
        summary = await api.as_role("viewer", "GET", "/v1/analytics/journeys/proxied/summary")
        assert summary.json()["journey_id"] == "proxied"

        # Analytics' refusals pass through with their field and reason.
        unknown = await api.as_role("viewer", "GET", "/v1/analytics/journeys/no-such/steps")
        assert unknown.status_code == 404
        assert unknown.json()["errors"][0]["field"] == "journey_id"
        lift = await api.as_role("viewer", "GET", "/v1/analytics/journeys/proxied/lift")
        assert lift.status_code == 409
        assert "control group" in lift.json()["errors"][0]["reason"]
        version = await api.as_role(
            "viewer", "GET", "/v1/analytics/journeys/proxied/steps?version=0"
        )
        assert version.status_code == 422
        assert version.json()["errors"][0]["field"] == "version"

        trace = await api.as_role("viewer", "GET", "/v1/analytics/customers/c%20one/trace")
        assert trace.status_code == 200
        assert trace.json() == {"customer_id": "c one", "decisions": [], "skipped": []}
        anonymous = await api.http.get("/v1/analytics/journeys")
        assert anonymous.status_code == 401


async def test_unreachable_analytics_is_a_503_with_the_reason(
    build_services: Any, kafka_topics: KafkaSettings
) -> None:
    async with _served(build_services, kafka_topics, f"http://127.0.0.1:{free_port()}") as api:
        response = await api.as_role("viewer", "GET", "/v1/analytics/journeys?type=marketing")
        assert response.status_code == 503
        [error] = response.json()["errors"]
        assert error["reason"].startswith("analytics did not answer")


async def test_without_analytics_the_routes_say_it_is_not_configured(api: Api) -> None:
    response = await api.as_role("viewer", "GET", "/v1/analytics/customers/c1/trace")
    assert response.status_code == 404
    assert response.json()["errors"] == [{"field": None, "reason": NOT_CONFIGURED}]
