"""Shared fixtures of the contract tests: one full and one minimal record of every schema."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from waymark.core.contracts import (
    AvroCodec,
    CustomerEvent,
    DispatchOutcome,
    JourneyTransition,
    JourneyVersion,
    SendCommand,
    Tick,
    WireModel,
)
from waymark.core.contracts.catalog import schemas_dir

AT = datetime(2026, 1, 5, 10, 0, 1, 123000, tzinfo=UTC)
LATER = datetime(2026, 1, 6, 8, 30, tzinfo=UTC)

NESTED_JSON = {
    "source": "web",
    "cart": {"items": [{"sku": "A-1", "qty": 2, "price": 19.99}, {"sku": "B", "qty": 1}]},
    "flags": [True, False, None],
    "big": 2**70,
    "small": -1.5e-300,
    "unicode": 'Grüße, 東京, emoji \U0001f600, quote " and backslash \\',
    "lone_surrogate": "\ud800",
    "empty": {"list": [], "object": {}},
}


def full_records() -> list[WireModel]:
    """One record of each schema with every optional field set."""
    definition = {"id": "welcome", "type": "marketing", "milestones": [{"id": "m", "steps": []}]}
    return [
        CustomerEvent(
            event_id="e-1",
            customer_id="c-1",
            type="consent",
            name="signed_up",
            properties=NESTED_JSON,
            traits={"email": "a@example.com", "orders_count": 3},
            channel="sms",
            granted=False,
            journey_id="welcome",
            timestamp=AT,
            received_at=LATER,
            source="web-key",
            context={"library": {"name": "analytics.js"}, "ip": "203.0.113.9"},
        ),
        DispatchOutcome(
            outcome_id="o-1",
            command_id="cmd-1",
            customer_id="c-1",
            journey_id="welcome",
            journey_version=3,
            entry_id="en-1",
            step_id="welcome-email",
            channel="email",
            status="bounced",
            reason="hard_bounce",
            provider="smtp",
            provider_message_id="<abc@mail>",
            test=True,
            at=AT,
        ),
        JourneyVersion(
            journey_id="welcome",
            version=7,
            status="paused",
            type="transactional",
            definition=definition,
            published_at=AT,
            checksum="0" * 64,
        ),
        SendCommand(
            command_id="cmd-1",
            customer_id="c-1",
            journey_id="welcome",
            journey_version=3,
            entry_id="en-1",
            step_id="welcome-email",
            attempt=2,
            channel="push",
            template="welcome",
            category="marketing",
            consent_granted=True,
            recipient={"email": "a@example.com", "push_token": "tok", "timezone": "Europe/Berlin"},
            entry={"name": "signed_up", "properties": NESTED_JSON},
            event={"name": "order_completed", "properties": {"total": 10}},
            created_at=AT,
            expires_at=LATER,
            test=True,
        ),
        JourneyTransition(
            transition_id="t-1",
            customer_id="c-1",
            journey_id="welcome",
            journey_version=3,
            entry_id="en-1",
            kind="suppressed",
            milestone_id="registered",
            step_id="split-1",
            reason="no_consent",
            split_path=1,
            control=False,
            at=AT,
            input_id="e-1",
        ),
        Tick(
            customer_id="c-1",
            journey_id="welcome",
            entry_id="en-1",
            timer_id="timer-1",
            due_at=LATER,
            generation=2**40,
        ),
    ]


def minimal_records() -> list[WireModel]:
    """One record of each schema with only the required fields."""
    return [
        CustomerEvent(
            event_id="e-2", customer_id="c-2", type="identify", timestamp=AT, received_at=AT
        ),
        DispatchOutcome(
            outcome_id="o-2", customer_id="c-2", channel="sms", status="sent", provider="sms", at=AT
        ),
        JourneyVersion(
            journey_id="j",
            version=1,
            status="draft",
            type="marketing",
            definition={},
            published_at=AT,
            checksum="x",
        ),
        SendCommand(
            command_id="cmd-2",
            customer_id="c-2",
            journey_id="j",
            journey_version=1,
            entry_id="en",
            step_id="s",
            attempt=1,
            channel="webhook",
            template="t",
            category="transactional",
            consent_granted=False,
            recipient={},
            created_at=AT,
        ),
        JourneyTransition(
            transition_id="t-2",
            customer_id="c-2",
            journey_id="j",
            journey_version=1,
            entry_id="en",
            kind="entered",
            at=AT,
        ),
        Tick(customer_id="c", journey_id="j", entry_id="en", timer_id="t", due_at=AT, generation=0),
    ]


@pytest.fixture
def codec() -> AvroCodec:
    """A codec with static ids."""
    return AvroCodec.static()


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    """A private copy of `schemas/` (with `released/`) that a test may edit."""
    target = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), target)
    return target
