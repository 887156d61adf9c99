"""Webhooks need an HMAC-SHA256 signature over timestamp and raw body, inside five minutes,
and are refused when replayed, except after a refusal the provider must be able to retry."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from ingest_doubles import NOW, FixedClock, MemoryPublisher, signed_headers

from waymark.trigger_ingest.webhooks.replay import MemorySeenSignatures
from waymark.trigger_ingest.webhooks.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

BODY = json.dumps({"event": "open", "sg_event_id": "e1", "customer_id": "c1"}).encode()


async def test_a_signed_request_is_accepted(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    response = await client.post(
        "/v1/webhooks/email", content=BODY, headers=signed_headers("email", BODY), auth=None
    )
    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "ignored": 0}
    assert len(publisher.records) == 1


@pytest.mark.parametrize(
    ("mutate", "field", "reason_part"),
    [
        (lambda h, b: ({}, b), TIMESTAMP_HEADER, "is required"),
        (
            lambda h, b: ({TIMESTAMP_HEADER: h[TIMESTAMP_HEADER]}, b),
            SIGNATURE_HEADER,
            "is required",
        ),
        (lambda h, b: ({**h, TIMESTAMP_HEADER: "soon"}, b), TIMESTAMP_HEADER, "whole seconds"),
        (lambda h, b: ({**h, TIMESTAMP_HEADER: "9" * 12}, b), TIMESTAMP_HEADER, "whole seconds"),
        (lambda h, b: (h, b + b" "), SIGNATURE_HEADER, "does not match"),
        (
            lambda h, b: ({**h, SIGNATURE_HEADER: h[SIGNATURE_HEADER].upper()}, b),
            SIGNATURE_HEADER,
            "does not match",
        ),
        (lambda h, b: ({**h, SIGNATURE_HEADER: "sha1=abc"}, b), SIGNATURE_HEADER, "does not match"),
        (
            lambda h, b: ({**h, SIGNATURE_HEADER: "v1=\u00e9\u00e9".encode("latin-1")}, b),
            SIGNATURE_HEADER,
            "does not match",
        ),
    ],
)
async def test_a_missing_or_wrong_signature_gets_401(
    client: httpx.AsyncClient,
    publisher: MemoryPublisher,
    mutate: object,
    field: str,
    reason_part: str,
) -> None:
    headers, body = mutate(signed_headers("email", BODY), BODY)  # type: ignore[operator]
    response = await client.post("/v1/webhooks/email", content=body, headers=headers)
    assert response.status_code == 401
    [error] = response.json()["errors"]
    assert error["field"] == field
    assert reason_part in error["reason"]
    assert publisher.records == []


async def test_a_signature_of_another_provider_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/webhooks/sms", content=BODY, headers=signed_headers("email", BODY)
    )
    assert response.status_code == 401


@pytest.mark.parametrize("offset", [timedelta(seconds=-301), timedelta(seconds=301)])
async def test_a_timestamp_outside_five_minutes_is_refused(
    client: httpx.AsyncClient, offset: timedelta
) -> None:
    response = await client.post(
        "/v1/webhooks/email", content=BODY, headers=signed_headers("email", BODY, NOW + offset)
    )
    assert response.status_code == 401
    assert "5-minute window" in response.json()["errors"][0]["reason"]


async def test_a_timestamp_inside_five_minutes_is_accepted(client: httpx.AsyncClient) -> None:
    headers = signed_headers("email", BODY, NOW - timedelta(seconds=299))
    response = await client.post("/v1/webhooks/email", content=BODY, headers=headers)
    assert response.status_code == 202


async def test_a_replayed_request_is_refused(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    headers = signed_headers("email", BODY)
    first = await client.post("/v1/webhooks/email", content=BODY, headers=headers)
    again = await client.post("/v1/webhooks/email", content=BODY, headers=headers)
    assert (first.status_code, again.status_code) == (202, 409)
    assert again.json()["errors"][0]["field"] == SIGNATURE_HEADER
    assert len(publisher.records) == 1


async def test_a_request_refused_with_503_can_be_retried_as_is(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    headers = signed_headers("email", BODY)
    publisher.down = True
    refused = await client.post("/v1/webhooks/email", content=BODY, headers=headers)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "2"
    publisher.down = False
    retried = await client.post("/v1/webhooks/email", content=BODY, headers=headers)
    assert retried.status_code == 202


async def test_secret_rotation_accepts_either_secret(client: httpx.AsyncClient) -> None:
    stamp = int(NOW.timestamp())
    both = f"v1={'0' * 64},{sign('unit-email-secret', stamp, BODY)}"
    response = await client.post(
        "/v1/webhooks/email",
        content=BODY,
        headers={TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: both},
    )
    assert response.status_code == 202


async def test_unknown_providers_get_404(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/webhooks/fax", content=BODY, headers=signed_headers("email", BODY)
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "provider"


async def test_the_memory_store_forgets_expired_claims_and_refuses_when_full() -> None:
    clock = FixedClock()
    store = MemorySeenSignatures(clock, capacity=2, retry_after=2)
    expiry = NOW + timedelta(minutes=5)
    assert await store.claim("a", expiry)
    assert not await store.claim("a", expiry)
    assert await store.claim("b", expiry)
    # Full of live claims: refusing is safer than forgetting one (which would allow a replay).
    with pytest.raises(Exception, match="too many signed requests"):
        await store.claim("c", expiry)
    clock.advance(301)
    assert await store.claim("c", clock() + timedelta(minutes=5))
    assert await store.claim("a", clock() + timedelta(minutes=5))
