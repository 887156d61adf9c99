"""Segment-style calls become CustomerEvents keyed by customer id, with ids kept or generated."""

from __future__ import annotations

import uuid

import httpx
from ingest_doubles import NOW, PREFIX, MemoryPublisher


async def test_track_keeps_the_message_id_and_maps_segment_fields(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    body = {
        "userId": "c1",
        "event": "order_completed",
        "properties": {"total": 12.5},
        "messageId": "m-1",
        "timestamp": "2026-01-05T09:00:00Z",
        "context": {"ip": "10.0.0.1"},
        "integrations": {"All": True},
    }
    response = await client.post("/v1/track", json=body)
    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "messageIds": ["m-1"]}
    [record] = publisher.records
    assert (record.topic, record.key) == (PREFIX + "waymark.events.v1", b"c1")
    [event] = publisher.decoded()
    assert event["event_id"] == "m-1"
    assert (event["type"], event["name"], event["properties"]) == (
        "track",
        "order_completed",
        {"total": 12.5},
    )
    assert event["context"] == {"ip": "10.0.0.1"}
    assert event["source"] == "web"
    assert event["timestamp"].isoformat() == "2026-01-05T09:00:00+00:00"
    assert event["received_at"] == NOW
    # The broker's record time is the time of receipt, whatever the event's own time.
    assert record.timestamp_ms == int(NOW.timestamp() * 1000)


async def test_a_missing_message_id_is_generated_and_a_repeated_one_passed_through(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    generated = (await client.post("/v1/track", json={"userId": "c1", "event": "a"})).json()
    assert uuid.UUID(generated["messageIds"][0])
    for _ in range(2):
        repeated = await client.post(
            "/v1/track", json={"userId": "c1", "event": "a", "messageId": "same"}
        )
        assert repeated.json()["messageIds"] == ["same"]
    assert [e["event_id"] for e in publisher.decoded()] == [
        generated["messageIds"][0],
        "same",
        "same",
    ]


async def test_anonymous_id_is_the_customer_when_there_is_no_user_id(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    await client.post("/v1/identify", json={"anonymousId": "anon-1", "traits": {"plan": "pro"}})
    await client.post("/v1/identify", json={"userId": 77, "anonymousId": "anon-2"})
    first, second = publisher.decoded()
    assert (first["customer_id"], first["traits"]) == ("anon-1", {"plan": "pro"})
    assert second["customer_id"] == "77"
    assert [r.key for r in publisher.records] == [b"anon-1", b"77"]


async def test_a_naive_timestamp_is_utc_and_a_missing_one_is_the_time_of_receipt(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    await client.post(
        "/v1/track", json={"userId": "c", "event": "a", "timestamp": "2026-01-05T08:00:00"}
    )
    await client.post("/v1/track", json={"userId": "c", "event": "a"})
    naive, missing = publisher.decoded()
    assert naive["timestamp"].isoformat() == "2026-01-05T08:00:00+00:00"
    assert missing["timestamp"] == NOW


async def test_consent_and_api_trigger_carry_their_own_fields(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    consent = await client.post(
        "/v1/consent", json={"userId": "c", "channel": "email", "granted": True}
    )
    trigger = await client.post(
        "/v1/journeys/cart-recovery/trigger", json={"userId": "c", "properties": {"cart_id": "k1"}}
    )
    assert (consent.status_code, trigger.status_code) == (202, 202)
    granted, entered = publisher.decoded()
    assert (granted["type"], granted["channel"], granted["granted"]) == ("consent", "email", True)
    assert (entered["type"], entered["journey_id"]) == ("api_trigger", "cart-recovery")
    assert entered["properties"] == {"cart_id": "k1"}


async def test_batch_context_is_merged_under_each_calls_own_context(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    body = {
        "context": {"library": "lib", "locale": "en"},
        "batch": [
            {"type": "track", "userId": "c", "event": "a", "context": {"locale": "de"}},
            {"type": "identify", "userId": "c", "traits": {"x": 1}},
        ],
    }
    response = await client.post("/v1/batch", json=body)
    assert response.status_code == 202
    first, second = publisher.decoded()
    assert first["context"] == {"library": "lib", "locale": "de"}
    assert second["context"] == {"library": "lib", "locale": "en"}


async def test_the_source_is_the_name_of_the_write_key(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    await client.post(
        "/v1/track", json={"userId": "c", "event": "a"}, auth=("unit-backend-key", "")
    )
    assert publisher.decoded()[0]["source"] == "backend"
