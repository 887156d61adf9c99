"""Event routes need a known write key as HTTP Basic user name; 401 says why, before the body."""

from __future__ import annotations

import base64

import httpx
import pytest
from ingest_doubles import MemoryPublisher

ROUTES = ["/v1/identify", "/v1/track", "/v1/consent", "/v1/batch", "/v1/journeys/abc/trigger"]


@pytest.mark.parametrize("path", ROUTES)
async def test_every_event_route_answers_401_without_a_write_key(
    client: httpx.AsyncClient, publisher: MemoryPublisher, path: str
) -> None:
    response = await client.post(path, json={"userId": "c", "event": "a"}, auth=None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.json() == {
        "errors": [
            {"field": "authorization", "reason": "a write key is required as HTTP Basic user name"}
        ]
    }
    assert publisher.records == []


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Bearer abc", "must be 'Basic <base64 of key:>'"),
        ("Basic !!!notbase64", "the Basic credentials are not valid base64"),
        ("Basic " + base64.b64encode(b"wrong-key:").decode(), "the write key is not known"),
        ("Basic " + base64.b64encode(b":unit-web-key").decode(), "the write key is not known"),
    ],
)
async def test_a_wrong_or_malformed_write_key_is_refused_with_the_reason(
    client: httpx.AsyncClient, header: str, reason: str
) -> None:
    response = await client.post(
        "/v1/track",
        json={"userId": "c", "event": "a"},
        headers={"authorization": header},
        auth=None,
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["reason"] == reason


async def test_authentication_comes_before_the_body_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/track", content=b"{not json", auth=None)
    assert response.status_code == 401


async def test_health_readiness_and_metrics_need_no_key(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        assert (await client.get(path, auth=None)).status_code == 200
