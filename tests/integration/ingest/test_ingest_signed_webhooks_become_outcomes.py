"""A signed provider webhook becomes DispatchOutcomes (and consent events for unsubscribes);
an unsigned, wrongly signed, stale or replayed one is refused and writes nothing."""

from __future__ import annotations

import json
import time

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.settings import KafkaSettings
from waymark.trigger_ingest.webhooks.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from .support import SECRETS, decoded, read_topic, running_ingest

SEND = {
    "customer_id": "c42",
    "command_id": "cmd-1",
    "journey_id": "onboarding",
    "journey_version": 3,
    "entry_id": "e-1",
    "step_id": "welcome",
}


def _signed(provider: str, body: bytes, at: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    return {
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(SECRETS[provider], stamp, body),
        "content-type": "application/json",
    }


async def test_signed_email_events_become_outcomes_and_an_unsubscribe_withdraws_consent(
    kafka_topics: KafkaSettings,
) -> None:
    body = json.dumps(
        [
            {
                "event": "delivered",
                "sg_event_id": "ev-1",
                "sg_message_id": "sg-1",
                "timestamp": 1767607200,
                **SEND,
            },
            {
                "event": "unsubscribe",
                "sg_event_id": "ev-2",
                "sg_message_id": "sg-1",
                "timestamp": 1767607260,
                **SEND,
            },
            {"event": "processed", "sg_event_id": "ev-0", **SEND},
        ]
    ).encode()
    async with running_ingest(kafka_topics) as ingest:
        response = await ingest.http.post(
            "/v1/webhooks/email", content=body, headers=_signed("email", body)
        )
        assert response.status_code == 202, response.text
        assert response.json() == {"accepted": 3, "ignored": 1}

    outcomes = decoded(await read_topic(kafka_topics, Topic.OUTCOMES))
    by_id = {o["outcome_id"]: o for o in outcomes}
    assert set(by_id) == {"email:ev-1", "email:ev-2"}
    delivered = by_id["email:ev-1"]
    assert delivered["status"] == "delivered"
    assert delivered["customer_id"] == "c42"
    assert (
        delivered["command_id"],
        delivered["journey_id"],
        delivered["journey_version"],
        delivered["entry_id"],
        delivered["step_id"],
    ) == ("cmd-1", "onboarding", 3, "e-1", "welcome")
    assert (delivered["channel"], delivered["provider"]) == ("email", "email")
    assert delivered["provider_message_id"] == "sg-1"
    assert delivered["at"].isoformat() == "2026-01-05T10:00:00+00:00"
    assert by_id["email:ev-2"]["status"] == "unsubscribed"

    events = decoded(await read_topic(kafka_topics, Topic.EVENTS))
    assert [(e["type"], e["customer_id"], e["channel"], e["granted"]) for e in events] == [
        ("consent", "c42", "email", False)
    ]


async def test_unsigned_wrongly_signed_stale_and_replayed_requests_are_refused(
    kafka_topics: KafkaSettings,
) -> None:
    body = json.dumps({"MessageSid": "SM1", "MessageStatus": "delivered", **SEND}).encode()
    stale = int(time.time()) - 301
    async with running_ingest(kafka_topics) as ingest:
        post = ingest.http.post
        unsigned = await post("/v1/webhooks/sms", content=body)
        wrong = await post("/v1/webhooks/sms", content=body, headers=_signed("email", body))
        old = await post("/v1/webhooks/sms", content=body, headers=_signed("sms", body, stale))
        headers = _signed("sms", body)
        first = await post("/v1/webhooks/sms", content=body, headers=headers)
        replay = await post("/v1/webhooks/sms", content=body, headers=headers)

    assert unsigned.status_code == 401
    assert unsigned.json()["errors"][0]["field"] == TIMESTAMP_HEADER
    assert wrong.status_code == 401
    assert wrong.json()["errors"][0]["field"] == SIGNATURE_HEADER
    assert old.status_code == 401
    assert "window" in old.json()["errors"][0]["reason"]
    assert first.status_code == 202, first.text
    assert replay.status_code == 409
    assert "replay" in replay.json()["errors"][0]["reason"]

    outcomes = decoded(await read_topic(kafka_topics, Topic.OUTCOMES))
    assert [(o["outcome_id"], o["status"]) for o in outcomes] == [
        ("sms:SM1:delivered", "delivered")
    ]
