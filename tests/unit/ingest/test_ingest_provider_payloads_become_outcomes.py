"""Provider events map to DispatchOutcomes, and unsubscribes, complaints and STOP replies also
to consent events; events that report nothing are ignored, and ids survive provider retries."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from ingest_doubles import NOW, MemoryPublisher, signed_headers

SEND = {
    "customer_id": "c9",
    "command_id": "cmd-9",
    "journey_id": "j",
    "journey_version": 2,
    "entry_id": "e",
    "step_id": "s",
}


async def _post(
    client: httpx.AsyncClient, provider: str, payload: Any, at: datetime = NOW
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return await client.post(
        f"/v1/webhooks/{provider}", content=body, headers=signed_headers(provider, body, at)
    )


def _outcomes(publisher: MemoryPublisher) -> list[tuple[str, str | None]]:
    return [(o["status"], o["reason"]) for o in publisher.decoded("waymark.outcomes.v1")]


def _consents(publisher: MemoryPublisher) -> list[tuple[str, bool]]:
    return [(e["channel"], e["granted"]) for e in publisher.decoded("waymark.events.v1")]


@pytest.mark.parametrize(
    ("event", "outcome", "consent"),
    [
        ({"event": "delivered"}, [("delivered", None)], []),
        ({"event": "open"}, [("opened", None)], []),
        ({"event": "click", "url": "https://example.com"}, [("clicked", None)], []),
        ({"event": "bounce", "type": "bounce"}, [("bounced", "hard_bounce")], []),
        ({"event": "bounce", "type": "blocked"}, [("bounced", "soft")], []),
        ({"event": "dropped"}, [("failed", "dropped")], []),
        ({"event": "spamreport"}, [("bounced", "complaint")], [("email", False)]),
        ({"event": "unsubscribe"}, [("unsubscribed", None)], [("email", False)]),
        ({"event": "group_unsubscribe"}, [("unsubscribed", None)], [("email", False)]),
        ({"event": "group_resubscribe"}, [], [("email", True)]),
    ],
)
async def test_email_events(
    client: httpx.AsyncClient,
    publisher: MemoryPublisher,
    event: dict[str, Any],
    outcome: list[tuple[str, str | None]],
    consent: list[tuple[str, bool]],
) -> None:
    response = await _post(client, "email", [{**event, "sg_event_id": "x1", **SEND}])
    assert response.status_code == 202, response.text
    assert _outcomes(publisher) == outcome
    assert _consents(publisher) == consent


@pytest.mark.parametrize(
    ("event", "outcome", "consent"),
    [
        ({"MessageStatus": "delivered"}, [("delivered", None)], []),
        ({"MessageStatus": "read"}, [("opened", None)], []),
        ({"MessageStatus": "undelivered", "ErrorCode": 30003}, [("failed", "error_30003")], []),
        ({"MessageStatus": "failed"}, [("failed", "failed")], []),
        ({"MessageStatus": "failed", "ErrorCode": "21211"}, [("bounced", "invalid_number")], []),
        ({"Body": " stop "}, [("unsubscribed", "stop_reply")], [("sms", False)]),
        (
            {"Body": "UNSUBSCRIBE", "MessageStatus": "received"},
            [("unsubscribed", "stop_reply")],
            [("sms", False)],
        ),
        ({"Body": "START"}, [], [("sms", True)]),
    ],
)
async def test_sms_events(
    client: httpx.AsyncClient,
    publisher: MemoryPublisher,
    event: dict[str, Any],
    outcome: list[tuple[str, str | None]],
    consent: list[tuple[str, bool]],
) -> None:
    response = await _post(client, "sms", {"MessageSid": "SM1", **event, **SEND})
    assert response.status_code == 202, response.text
    assert _outcomes(publisher) == outcome
    assert _consents(publisher) == consent


@pytest.mark.parametrize(
    ("event", "outcome"),
    [
        ("delivered", [("delivered", None)]),
        ("opened", [("opened", None)]),
        ("token_invalid", [("bounced", "invalid_token")]),
        ("unregistered", [("bounced", "invalid_token")]),
    ],
)
async def test_push_events(
    client: httpx.AsyncClient,
    publisher: MemoryPublisher,
    event: str,
    outcome: list[tuple[str, str | None]],
) -> None:
    response = await _post(client, "push", {"event": event, "message_id": "p1", **SEND})
    assert response.status_code == 202, response.text
    assert _outcomes(publisher) == outcome


async def test_events_reporting_nothing_are_ignored_not_refused(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    email = await _post(
        client, "email", [{"event": "processed", **SEND}, {"event": "deferred", **SEND}]
    )
    sms = await _post(
        client,
        "sms",
        [
            {"MessageSid": "S", "MessageStatus": "queued", **SEND},
            {"MessageSid": "S", "Body": "thanks!", **SEND},
        ],
    )
    push = await _post(client, "push", {"event": "sent", **SEND})
    assert [r.json() for r in (email, sms, push)] == [
        {"accepted": 0, "ignored": 2},
        {"accepted": 0, "ignored": 2},
        {"accepted": 0, "ignored": 1},
    ]
    assert publisher.records == []


async def test_outcomes_carry_the_send_metadata_and_keep_their_id_on_provider_retries(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    event = {"event": "opened", "timestamp": "2026-01-05T09:59:00Z", **SEND}
    await _post(client, "push", event)
    await _post(client, "push", {**event, "retry": 1})  # a new request: new signature
    await _post(client, "sms", {"MessageSid": "SM7", "MessageStatus": "delivered", **SEND})
    first, second, sms = publisher.decoded("waymark.outcomes.v1")
    assert first["outcome_id"].startswith("push:h:")
    assert first["outcome_id"] != second["outcome_id"]  # different content, different event
    assert sms["outcome_id"] == "sms:SM7:delivered"
    assert (
        first["customer_id"],
        first["command_id"],
        first["journey_id"],
        first["journey_version"],
        first["entry_id"],
        first["step_id"],
    ) == ("c9", "cmd-9", "j", 2, "e", "s")
    assert first["at"].isoformat() == "2026-01-05T09:59:00+00:00"
    assert [r.key for r in publisher.records] == [b"c9", b"c9", b"c9"]
    # The provider retries the same event later: a new signature, the same outcome id.
    retry = await _post(client, "push", event, at=NOW + timedelta(seconds=30))
    assert retry.status_code == 202
    assert publisher.decoded("waymark.outcomes.v1")[-1]["outcome_id"] == first["outcome_id"]


async def test_a_stop_becomes_a_consent_event_with_a_derived_id(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    await _post(client, "sms", {"MessageSid": "SMin", "Body": "STOP", "customer_id": "c1"})
    [consent] = publisher.decoded("waymark.events.v1")
    assert consent["event_id"] == "sms:SMin:received:consent"
    assert (consent["type"], consent["source"]) == ("consent", "webhook:sms")


@pytest.mark.parametrize(
    ("provider", "payload", "field"),
    [
        ("email", [{"event": "open"}], "[0].customer_id"),
        ("email", [{"event": "open", **SEND}, {"event": 3, **SEND}], "[1].event"),
        ("sms", {"MessageStatus": "delivered", **SEND}, "MessageSid"),
        ("sms", {"MessageSid": "SMin", "Body": "STOP"}, "customer_id"),
        ("push", {"event": "opened", **SEND, "journey_version": "2"}, "journey_version"),
        ("push", {"event": "opened", **SEND, "timestamp": "2027-01-01T00:00:00Z"}, "timestamp"),
        ("push", {"event": "opened", **SEND, "timestamp": 1767607200000}, "timestamp"),
        ("push", [], "body"),
        ("push", "text", "body"),
    ],
)
async def test_bad_provider_events_are_named_and_nothing_is_published(
    client: httpx.AsyncClient,
    publisher: MemoryPublisher,
    provider: str,
    payload: Any,
    field: str,
) -> None:
    response = await _post(client, provider, payload)
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert publisher.records == []
