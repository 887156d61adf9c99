"""Test sends: SendCommands marked as test on the transactional lane, to listed recipients only."""

from __future__ import annotations

import pytest

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import AvroCodec, SendCommand

from .support import Api, journey_document, read_topic

pytestmark = pytest.mark.timeout(60)


async def test_listed_recipients_get_test_commands_on_the_transactional_lane(api: Api) -> None:
    await api.as_role("editor", "POST", "/v1/journeys", json=journey_document("testsend-one"))
    response = await api.as_role(
        "editor",
        "POST",
        "/v1/journeys/testsend-one/test-send",
        json={
            "recipients": [
                {"channel": "email", "address": "qa@example.com"},
                {"channel": "sms", "address": "+15550100"},
            ],
            "profile": {"first_name": "Ada"},
            "event": {"name": "signed_up", "properties": {"source": "web"}},
        },
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert [(c["step_id"], c["channel"]) for c in body["commands"]] == [
        ("welcome", "email"),
        ("nudge", "sms"),
    ]

    raw = await read_topic(api.kafka, Topic.COMMANDS_TRANSACTIONAL, at_least=2)
    codec = AvroCodec.static()
    commands = sorted(
        (codec.decode_as(value, SendCommand) for _, value in raw), key=lambda c: c.step_id
    )
    nudge, welcome = commands
    assert welcome.test
    assert nudge.test
    assert welcome.template == "welcome-email"
    assert welcome.recipient == {"first_name": "Ada", "email": "qa@example.com"}
    assert nudge.recipient == {"first_name": "Ada", "phone": "+15550100"}
    assert welcome.entry == {"name": "signed_up", "properties": {"source": "web"}}
    assert welcome.journey_id == "testsend-one"
    assert welcome.expires_at is not None
    # The key is a pseudonym: no address travels as a record key.
    assert all("@" not in key and "555" not in key for key, _ in raw)
    marketing = await read_topic(api.kafka, Topic.COMMANDS_MARKETING, at_least=1, wait_seconds=2)
    assert marketing == []


async def test_recipient_not_on_the_allow_list_is_403(api: Api) -> None:
    await api.as_role("editor", "POST", "/v1/journeys", json=journey_document("testsend-two"))
    response = await api.as_role(
        "editor",
        "POST",
        "/v1/journeys/testsend-two/test-send",
        json={
            "recipients": [
                {"channel": "email", "address": "qa@example.com"},
                {"channel": "email", "address": "someone@example.org"},
            ]
        },
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "recipients[1].address"
    raw = await read_topic(api.kafka, Topic.COMMANDS_TRANSACTIONAL, at_least=1, wait_seconds=2)
    assert raw == []

    response = await api.as_role(
        "viewer",
        "POST",
        "/v1/journeys/testsend-two/test-send",
        json={"recipients": [{"channel": "email", "address": "qa@example.com"}]},
    )
    assert response.status_code == 403
