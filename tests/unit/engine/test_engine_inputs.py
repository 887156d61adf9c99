"""Parsing the JOURNEYS.md JSON Lines records into typed inputs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from waymark.core.engine import (
    ApiTrigger,
    CatalogChange,
    Consent,
    Identify,
    InputError,
    Outcome,
    Track,
    parse_input,
)


def test_every_record_type_of_the_contract_parses() -> None:
    at = "2026-01-05T10:00:00Z"
    identify = parse_input(
        {
            "type": "identify",
            "customer_id": "c1",
            "traits": {"email": "a@example.com"},
            "timestamp": at,
        }
    )
    consent = parse_input(
        {
            "type": "consent",
            "customer_id": "c1",
            "channel": "email",
            "granted": True,
            "timestamp": at,
        }
    )
    track = parse_input(
        {
            "type": "track",
            "customer_id": "c1",
            "event": "signed_up",
            "properties": {"source": "web"},
            "timestamp": at,
        }
    )
    outcome = parse_input(
        {
            "type": "outcome",
            "customer_id": "c1",
            "step": "welcome",
            "status": "opened",
            "timestamp": at,
        }
    )

    assert isinstance(identify, Identify)
    assert identify.traits == {"email": "a@example.com"}
    assert isinstance(consent, Consent)
    assert consent.granted is True
    assert isinstance(track, Track)
    assert track.event == "signed_up"
    assert isinstance(outcome, Outcome)
    assert (outcome.step_id, outcome.status) == (
        "welcome",
        "opened",
    )
    assert track.timestamp == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def test_extensions_for_api_triggers_and_catalog_changes() -> None:
    at = "2026-01-05T10:00:00Z"
    api = parse_input(
        {
            "type": "trigger",
            "customer_id": "c1",
            "journey_id": "j",
            "payload": {"x": 1},
            "timestamp": at,
        }
    )
    change = parse_input(
        {"type": "journey", "journey_id": "j", "status": "paused", "timestamp": at}
    )
    assert isinstance(api, ApiTrigger)
    assert api.payload == {"x": 1}
    assert isinstance(change, CatalogChange)
    assert change.change == "paused"


def test_input_ids_are_explicit_or_derived_from_the_content() -> None:
    record = {
        "type": "track",
        "customer_id": "c1",
        "event": "e",
        "timestamp": "2026-01-05T10:00:00Z",
    }
    assert parse_input(record).input_id == parse_input(dict(record)).input_id
    assert parse_input(record | {"message_id": "m-1"}).input_id == "m-1"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"type": "nope", "customer_id": "c1", "timestamp": "2026-01-05T10:00:00Z"}, "type:"),
        ({"type": "track", "customer_id": "c1", "timestamp": "2026-01-05T10:00:00Z"}, "event:"),
        (
            {"type": "track", "customer_id": "c1", "event": "e", "timestamp": "yesterday"},
            "timestamp:",
        ),
        (
            {
                "type": "consent",
                "customer_id": "c1",
                "channel": "email",
                "granted": "yes",
                "timestamp": "2026-01-05T10:00:00Z",
            },
            "granted:",
        ),
        (
            {
                "type": "outcome",
                "customer_id": "c1",
                "status": "lost",
                "timestamp": "2026-01-05T10:00:00Z",
            },
            "status:",
        ),
        ({"type": "track", "event": "e", "timestamp": "2026-01-05T10:00:00Z"}, "customer_id:"),
    ],
)
def test_bad_records_name_the_field(record: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_input(record)
