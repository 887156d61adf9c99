"""Each route's event arrives on waymark.events.v1, keyed by customer, decoded to the same
content."""

from __future__ import annotations

from typing import Any

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.settings import KafkaSettings

from .support import decoded, read_topic, running_ingest

CONTEXT = {"library": {"name": "analytics-python", "version": "2.3"}, "locale": "de-DE"}


async def test_every_route_lands_on_the_events_topic_with_its_content(
    kafka_topics: KafkaSettings,
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
        (
            "/v1/identify",
            {
                "userId": "c1",
                "traits": {"email": "a@example.com", "plan": "pro"},
                "messageId": "m-identify",
                "timestamp": "2026-01-05T10:00:00Z",
                "context": CONTEXT,
            },
        ),
        (
            "/v1/track",
            {
                "anonymousId": "anon-7",
                "event": "order_completed",
                "properties": {"total": 42.5, "items": [{"sku": "x", "qty": 2}]},
                "messageId": "m-track",
                "timestamp": "2026-01-05T10:00:01+01:00",
            },
        ),
        (
            "/v1/consent",
            {"userId": "c1", "channel": "sms", "granted": False, "messageId": "m-consent"},
        ),
        (
            "/v1/journeys/cart-recovery/trigger",
            {"userId": 1234, "properties": {"cart_id": "k9"}, "messageId": "m-trigger"},
        ),
    ]
    async with running_ingest(kafka_topics) as ingest:
        for path, body in calls:
            response = await ingest.http.post(path, json=body)
            assert response.status_code == 202, response.text
            assert response.json() == {"accepted": 1, "messageIds": [body["messageId"]]}

    records = await read_topic(kafka_topics, Topic.EVENTS)
    by_id = {r["event_id"]: (rec, r) for rec, r in zip(records, decoded(records), strict=True)}
    assert set(by_id) == {"m-identify", "m-track", "m-consent", "m-trigger"}

    record, identify = by_id["m-identify"]
    assert record.key == b"c1"
    assert identify["type"] == "identify"
    assert identify["customer_id"] == "c1"
    assert identify["traits"] == {"email": "a@example.com", "plan": "pro"}
    assert identify["context"] == CONTEXT
    assert identify["source"] == "web"
    assert identify["timestamp"].isoformat() == "2026-01-05T10:00:00+00:00"

    record, track = by_id["m-track"]
    assert record.key == b"anon-7"
    assert (track["type"], track["name"]) == ("track", "order_completed")
    assert track["properties"] == {"total": 42.5, "items": [{"sku": "x", "qty": 2}]}
    assert track["timestamp"].isoformat() == "2026-01-05T09:00:01+00:00"
    # The record time is the time of receipt, not the event's own time.
    assert record.timestamp == int(track["received_at"].timestamp() * 1000)

    _, consent = by_id["m-consent"]
    assert (consent["type"], consent["channel"], consent["granted"]) == ("consent", "sms", False)

    record, trigger = by_id["m-trigger"]
    assert record.key == b"1234"
    assert trigger["type"] == "api_trigger"
    assert trigger["journey_id"] == "cart-recovery"
    assert trigger["properties"] == {"cart_id": "k9"}
