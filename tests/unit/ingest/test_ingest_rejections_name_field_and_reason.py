"""Every bad call is a 4xx whose JSON body names the field and the reason; nothing is published."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ingest_doubles import MemoryPublisher


def _errors(response: httpx.Response) -> dict[str | None, str]:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("path", "body", "field", "reason_part"),
    [
        ("/v1/track", {"event": "a"}, "userId", "userId or anonymousId is required"),
        ("/v1/track", {"userId": "c"}, "event", "Field required"),
        ("/v1/track", {"userId": True, "event": "a"}, "userId", "string or an integer"),
        ("/v1/track", {"userId": "  ", "event": "a"}, "userId", "must not be blank"),
        ("/v1/track", {"userId": "c" * 257, "event": "a"}, "userId", "at most 256"),
        ("/v1/track", {"userId": "c", "event": ""}, "event", "at least 1 character"),
        (
            "/v1/track",
            {"userId": "c", "event": "a", "properties": [1]},
            "properties",
            "JSON object",
        ),
        (
            "/v1/track",
            {"userId": "c", "event": "a", "timestamp": "yesterday"},
            "timestamp",
            "ISO-8601",
        ),
        (
            "/v1/track",
            {"userId": "c", "event": "a", "timestamp": 1767607200},
            "timestamp",
            "ISO-8601 string",
        ),
        (
            "/v1/track",
            {"userId": "c", "event": "a", "timestamp": "0001-01-01T00:00:00+14:00"},
            "timestamp",
            "not be before 1970",
        ),
        ("/v1/track", {"userId": "c", "event": "a", "messageId": 5}, "messageId", "valid string"),
        (
            "/v1/consent",
            {"userId": "c", "channel": "fax", "granted": True},
            "channel",
            "'email', 'sms', 'push' or 'webhook'",
        ),
        (
            "/v1/consent",
            {"userId": "c", "channel": "sms", "granted": "yes"},
            "granted",
            "valid boolean",
        ),
        ("/v1/identify", {"userId": "c", "traits": "x"}, "traits", "JSON object"),
        ("/v1/identify", {"userId": "c", "context": 3}, "context", "JSON object"),
    ],
)
async def test_a_bad_field_gets_400_naming_it(
    client: httpx.AsyncClient,
    publisher: MemoryPublisher,
    path: str,
    body: dict[str, Any],
    field: str,
    reason_part: str,
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 400
    errors = _errors(response)
    assert field in errors, errors
    assert reason_part in errors[field]
    assert publisher.records == []


async def test_timestamps_more_than_a_day_ahead_are_refused_and_a_day_is_allowed(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    # The fixed clock says 2026-01-05T10:00:00Z.
    late = await client.post(
        "/v1/track", json={"userId": "c", "event": "a", "timestamp": "2026-01-06T10:00:01Z"}
    )
    assert late.status_code == 400
    assert _errors(late) == {"timestamp": "is more than 24 hours in the future"}
    ok = await client.post(
        "/v1/track", json={"userId": "c", "event": "a", "timestamp": "2026-01-06T10:00:00Z"}
    )
    assert ok.status_code == 202
    assert len(publisher.records) == 1


@pytest.mark.parametrize(
    ("content", "reason_part"),
    [
        (b"{not json", "is not valid JSON"),
        (b"", "is not valid JSON"),
        (b'{"userId": "c", "event": "a", "properties": {"x": NaN}}', "is not valid JSON"),
        (b'{"userId": "c", "event": "\\ud800"}', "is not valid JSON"),
        (b"\xff\xfe\x00", "is not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
    ],
)
async def test_a_body_that_is_not_a_json_object_gets_400_on_body(
    client: httpx.AsyncClient, content: bytes, reason_part: str
) -> None:
    response = await client.post("/v1/track", content=content)
    assert response.status_code == 400
    assert reason_part in _errors(response)["body"]


async def test_numbers_json_cannot_carry_are_refused_not_stored(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    content = b'{"userId": "c", "event": "a", "properties": {"x": 1e400}}'
    response = await client.post("/v1/track", content=content)
    assert response.status_code == 400
    assert "cannot be stored" in response.json()["errors"][0]["reason"]
    assert publisher.records == []


async def test_a_single_call_over_32_kb_gets_413(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    body = {"userId": "c", "event": "a", "properties": {"blob": "x" * 33_000}}
    response = await client.post("/v1/track", json=body)
    assert response.status_code == 413
    assert _errors(response)["body"].endswith("the limit is 32768")
    assert publisher.records == []


async def test_a_body_over_500_kb_gets_413_before_it_is_read_whole(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/batch", content=b"[" + b" " * 600_000 + b"]")
    assert response.status_code == 413

    async def chunks() -> Any:
        for _ in range(100):
            yield b" " * 10_000

    # No Content-Length (chunked): the limit holds while streaming.
    streamed = await client.post("/v1/batch", content=chunks())
    assert streamed.status_code == 413
    assert "over the limit of 512000 bytes" in _errors(streamed)["body"]


async def test_a_bad_journey_id_is_named_in_the_path(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/journeys/Not_A_Slug/trigger", json={"userId": "c"})
    assert response.status_code == 400
    assert list(_errors(response)) == ["id"]


async def test_unknown_routes_and_methods_answer_in_the_same_shape(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.post("/v1/page", json={})
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"field": None, "reason": "Not Found"}]}
    wrong = await client.get("/v1/track")
    assert wrong.status_code == 405
    assert wrong.json()["errors"][0]["reason"] == "Method Not Allowed"
