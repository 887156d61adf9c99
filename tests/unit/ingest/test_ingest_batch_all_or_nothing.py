"""A batch is accepted whole or refused whole: a 400 names every bad call by its index."""

from __future__ import annotations

import httpx
from ingest_doubles import MemoryPublisher


def _track(n: int) -> dict[str, object]:
    return {"type": "track", "userId": f"c{n}", "event": "viewed", "messageId": f"m{n}"}


async def test_a_batch_with_bad_calls_names_each_and_accepts_none(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    batch: list[object] = [_track(n) for n in range(6)]
    batch[1] = {"type": "page", "userId": "c"}
    batch[3] = {**_track(3), "timestamp": "2027-01-01T00:00:00Z"}
    batch[4] = "not an object"
    batch[5] = {"type": "identify", "traits": {}}
    response = await client.post("/v1/batch", json={"batch": batch})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"field": "batch[1].type", "reason": "must be one of identify, track, consent"},
            {"field": "batch[3].timestamp", "reason": "is more than 24 hours in the future"},
            {"field": "batch[4]", "reason": "must be a JSON object"},
            {"field": "batch[5].userId", "reason": "userId or anonymousId is required"},
        ]
    }
    assert publisher.records == []


async def test_a_good_batch_is_accepted_in_order(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    response = await client.post("/v1/batch", json={"batch": [_track(n) for n in range(5)]})
    assert response.status_code == 202
    assert response.json() == {"accepted": 5, "messageIds": [f"m{n}" for n in range(5)]}
    assert [e["event_id"] for e in publisher.decoded()] == [f"m{n}" for n in range(5)]


async def test_more_than_1000_calls_or_none_are_refused(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    small = {"type": "track", "userId": "c", "event": "e"}
    too_many = await client.post("/v1/batch", json={"batch": [small] * 1001})
    assert too_many.status_code == 400
    assert too_many.json()["errors"] == [
        {"field": "batch", "reason": "holds 1001 calls; the limit is 1000"}
    ]
    empty = await client.post("/v1/batch", json={"batch": []})
    assert empty.status_code == 400
    missing = await client.post("/v1/batch", json={"calls": []})
    assert missing.json()["errors"][0]["field"] == "batch"
    assert publisher.records == []


async def test_one_call_over_32_kb_inside_a_batch_is_named(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    big = {**_track(1), "properties": {"blob": "x" * 33_000}}
    response = await client.post("/v1/batch", json={"batch": [_track(0), big]})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "batch[1]"
    assert error["reason"].endswith("bytes as JSON; the limit is 32768")
    assert publisher.records == []
