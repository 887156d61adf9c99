"""Editing a live journey publishes a new version; versions are listed, read and diffed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest

from waymark.core.settings import KafkaSettings
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.context import ApiContext

from .support import Api, journey_document

pytestmark = pytest.mark.timeout(120)


async def _activated(api: Api, journey_id: str) -> dict:  # type: ignore[type-arg]
    await api.create_templates("welcome-email", "nudge-sms", "other-email")
    document = journey_document(journey_id)
    assert (await api.as_role("editor", "POST", "/v1/journeys", json=document)).status_code == 201
    response = await api.as_role("editor", "POST", f"/v1/journeys/{journey_id}/activate")
    assert response.status_code == 200, response.text
    return document


async def test_editing_an_active_journey_publishes_version_two(api: Api) -> None:
    document = await _activated(api, "versions-one")
    edited = copy.deepcopy(document)
    edited["name"] = "Second edition"
    edited["milestones"][0]["steps"][0]["send"]["template"] = "other-email"
    # A new step between two others: matched by id, so only it shows as added.
    edited["milestones"][0]["steps"].insert(2, {"id": "breathe", "wait": {"duration": "PT1H"}})
    del edited["milestones"][0]["steps"][3]["update"]["set"]["profile.onboarded"]
    edited["milestones"][0]["steps"][3]["update"]["set"]["profile.plan.tier"] = "gold"

    response = await api.as_role("editor", "PUT", "/v1/journeys/versions-one", json=edited)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["published_version"] == 2
    assert body["customers_in_older_versions"] is None  # no counts source yet: unknown
    assert body["journey"]["status"] == "active"
    assert body["journey"]["version"] == 2

    # Sending the same definition again publishes nothing.
    again = await api.as_role("editor", "PUT", "/v1/journeys/versions-one", json=edited)
    assert again.json()["published_version"] is None

    listed = (await api.as_role("viewer", "GET", "/v1/journeys/versions-one/versions")).json()
    assert [v["version"] for v in listed["versions"]] == [1, 2]
    assert all(v["on_topic"] for v in listed["versions"])
    assert listed["versions"][0]["checksum"] != listed["versions"][1]["checksum"]

    one = (await api.as_role("viewer", "GET", "/v1/journeys/versions-one/versions/1")).json()
    two = (await api.as_role("viewer", "GET", "/v1/journeys/versions-one/versions/2")).json()
    assert one["definition"]["name"] == "Journey versions-one"
    assert two["definition"]["name"] == "Second edition"
    # Keys with dots survive storage (they are not MongoDB field names).
    assert two["definition"]["milestones"][0]["steps"][3]["update"]["set"] == {
        "profile.plan.tier": "gold"
    }

    diff = await api.as_role("viewer", "GET", "/v1/journeys/versions-one/diff?from=1&to=2")
    assert diff.status_code == 200, diff.text
    result = diff.json()
    assert (result["from"], result["to"]) == (1, 2)
    assert {"path": "name", "from": "Journey versions-one", "to": "Second edition"} in result[
        "changed"
    ]
    assert {
        "path": "milestones[0].steps[0].send.template",
        "from": "welcome-email",
        "to": "other-email",
    } in result["changed"]
    assert [a["path"] for a in result["added"]] == [
        "milestones[0].steps[2]",
        "milestones[0].steps[3].update.set['profile.plan.tier']",
    ]
    assert [r["path"] for r in result["removed"]] == [
        "milestones[0].steps[2].update.set['profile.onboarded']"
    ]

    same = (await api.as_role("viewer", "GET", "/v1/journeys/versions-one/diff?from=2&to=2")).json()
    assert same["added"] == same["removed"] == same["changed"] == []


async def test_missing_versions_are_404_and_bad_numbers_422(api: Api) -> None:
    await _activated(api, "versions-two")
    response = await api.as_role("viewer", "GET", "/v1/journeys/versions-two/versions/2")
    assert response.status_code == 404
    assert "no version 2" in response.json()["errors"][0]["reason"]
    response = await api.as_role("viewer", "GET", "/v1/journeys/versions-two/diff?from=1&to=9")
    assert response.status_code == 404
    response = await api.as_role("viewer", "GET", "/v1/journeys/versions-two/versions/0")
    assert response.status_code == 422
    response = await api.as_role("viewer", "GET", "/v1/journeys/versions-two/diff?from=x&to=1")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "from"


async def test_editing_a_paused_journey_publishes_a_paused_version(api: Api) -> None:
    document = await _activated(api, "versions-paused")
    await api.as_role("editor", "POST", "/v1/journeys/versions-paused/pause")
    document["description"] = "edited while paused"
    response = await api.as_role("editor", "PUT", "/v1/journeys/versions-paused", json=document)
    body = response.json()
    assert body["published_version"] == 2
    assert body["journey"]["status"] == "paused"


async def test_recreated_journey_numbers_versions_after_the_deleted_ones(api: Api) -> None:
    document = await _activated(api, "versions-again")
    await api.as_role("editor", "POST", "/v1/journeys/versions-again/archive")
    assert (await api.as_role("admin", "DELETE", "/v1/journeys/versions-again")).status_code == 204
    await api.as_role("editor", "POST", "/v1/journeys", json=document)
    response = await api.as_role("editor", "POST", "/v1/journeys/versions-again/activate")
    # Version 1 keeps its key on the compacted topic; the new journey starts at 2.
    assert response.json()["version"] == 2
    listed = (await api.as_role("viewer", "GET", "/v1/journeys/versions-again/versions")).json()
    assert [v["version"] for v in listed["versions"]] == [2]


class _Counts:
    """Customers inside each version, as the worker or analytics would report them."""

    async def customers_in_version(self, journey_id: str, version: int) -> int | None:
        return {1: 40, 2: 2}.get(version)


async def test_known_customer_counts_are_reported_with_a_new_version(
    build_services: Callable[..., AbstractAsyncContextManager[ApiContext]],
    kafka_topics: KafkaSettings,
) -> None:
    app = create_app(lambda: build_services(counts=_Counts()), max_body_bytes=64 * 1024)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            api = Api(http=http, ctx=app.state.services, kafka=kafka_topics)
            document = await _activated(api, "versions-counted")
            for name in ("Second", "Third"):
                document["name"] = name
                response = await api.as_role(
                    "editor", "PUT", "/v1/journeys/versions-counted", json=document
                )
            # Version 3 was published with 40 customers in version 1 and 2 in version 2.
            assert response.json()["customers_in_older_versions"] == 42
            listed = await api.as_role("viewer", "GET", "/v1/journeys/versions-counted/versions")
            assert [v["customers"] for v in listed.json()["versions"]] == [40, 2, None]
