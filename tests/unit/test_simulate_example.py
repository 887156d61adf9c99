"""The simulator on the JOURNEYS.md example (simulate_data/): the exact commands and transitions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from waymark.core.journeys import load_journey
from waymark.core.simulate import read_inputs, simulate

DATA = Path(__file__).parent / "simulate_data"
ONBOARDING = DATA / "onboarding.yaml"
EVENTS = DATA / "onboarding.events.jsonl"

J = "new-customer-onboarding"


def _run() -> dict[str, list[dict[str, object]]]:
    result = simulate([load_journey(ONBOARDING)], read_inputs(EVENTS))
    return result.to_document()


def test_exact_commands() -> None:
    assert _run()["commands"] == [
        {
            "command_id": "c48e8af9b162fee6da5803cc9709b6f2",
            "customer_id": "c1",
            "journey_id": J,
            "step_id": "welcome",
            "channel": "email",
            "template": "welcome-email",
            "category": "marketing",
            "at": "2026-01-05T10:00:01Z",
        },
        {
            # 22:00 in New York is inside quiet hours: delayed to 08:00 there.
            "command_id": "69771dc108355398dae899286b686656",
            "customer_id": "c2",
            "journey_id": J,
            "step_id": "welcome",
            "channel": "email",
            "template": "welcome-email",
            "category": "marketing",
            "at": "2026-01-06T13:00:00Z",
        },
        {
            "command_id": "4485950b4a3454ab8d69b3ea24133d82",
            "customer_id": "c2",
            "journey_id": J,
            "step_id": "sms-nudge",
            "channel": "sms",
            "template": "first-order-sms",
            "category": "marketing",
            "at": "2026-01-09T13:00:00Z",
        },
        {
            "command_id": "dcbe18584c23e0c0394f377dd22e29ef",
            "customer_id": "c2",
            "journey_id": J,
            "step_id": "thanks",
            "channel": "email",
            "template": "thank-you",
            "category": "marketing",
            "at": "2026-01-12T15:00:00Z",
        },
    ]


def test_exact_transitions() -> None:
    rows = [
        (t["at"], t["customer_id"], t["kind"], t["milestone_id"], t["step_id"], t["reason"])
        for t in _run()["transitions"]
    ]
    assert all(t["journey_id"] == J for t in _run()["transitions"])
    assert rows == [
        ("2026-01-05T10:00:01Z", "c1", "entered", "registered", None, None),
        ("2026-01-05T10:00:01Z", "c1", "milestone_entered", "registered", None, None),
        ("2026-01-05T10:00:01Z", "c1", "step_entered", "registered", "welcome", None),
        ("2026-01-05T10:00:01Z", "c1", "step_completed", "registered", "welcome", None),
        ("2026-01-05T10:00:01Z", "c1", "step_entered", "registered", "wait-for-first-order", None),
        ("2026-01-05T10:00:01Z", "c1", "waiting", "registered", "wait-for-first-order", "event"),
        ("2026-01-06T03:00:00Z", "c2", "entered", "registered", None, None),
        ("2026-01-06T03:00:00Z", "c2", "milestone_entered", "registered", None, None),
        ("2026-01-06T03:00:00Z", "c2", "step_entered", "registered", "welcome", None),
        ("2026-01-06T03:00:00Z", "c2", "waiting", "registered", "welcome", "quiet_hours"),
        ("2026-01-06T09:00:00Z", "c1", "converted", "registered", None, "goal"),
        ("2026-01-06T09:00:00Z", "c1", "exited", "registered", None, "goal"),
        ("2026-01-06T13:00:00Z", "c2", "step_completed", "registered", "welcome", None),
        ("2026-01-06T13:00:00Z", "c2", "step_entered", "registered", "wait-for-first-order", None),
        ("2026-01-06T13:00:00Z", "c2", "waiting", "registered", "wait-for-first-order", "event"),
        (
            "2026-01-09T13:00:00Z",
            "c2",
            "step_completed",
            "registered",
            "wait-for-first-order",
            "timeout",
        ),
        ("2026-01-09T13:00:00Z", "c2", "step_entered", "registered", "nudge", None),
        ("2026-01-09T13:00:00Z", "c2", "step_completed", "registered", "nudge", None),
        ("2026-01-09T13:00:00Z", "c2", "step_entered", "registered", "sms-nudge", None),
        ("2026-01-09T13:00:00Z", "c2", "step_completed", "registered", "sms-nudge", None),
        # Without a jump a step is followed by the next one: the contract's example falls through.
        ("2026-01-09T13:00:00Z", "c2", "step_entered", "registered", "push-nudge", None),
        ("2026-01-09T13:00:00Z", "c2", "suppressed", "registered", "push-nudge", "no_consent"),
        ("2026-01-09T13:00:00Z", "c2", "waiting", "registered", None, "milestone"),
        ("2026-01-12T15:00:00Z", "c2", "milestone_entered", "first-purchase", None, None),
        ("2026-01-12T15:00:00Z", "c2", "step_entered", "first-purchase", "thanks", None),
        ("2026-01-12T15:00:00Z", "c2", "step_completed", "first-purchase", "thanks", None),
        ("2026-01-12T15:00:00Z", "c2", "waiting", "first-purchase", None, "goal"),
        ("2026-01-20T03:00:00Z", "c2", "exited", "first-purchase", None, "completed"),
    ]


def test_the_document_has_exactly_the_contract_fields() -> None:
    doc = json.loads(json.dumps(_run()))
    assert set(doc) == {"commands", "transitions"}
    assert set(doc["commands"][0]) == {
        "command_id",
        "customer_id",
        "journey_id",
        "step_id",
        "channel",
        "template",
        "category",
        "at",
    }
    assert set(doc["transitions"][0]) == {
        "customer_id",
        "journey_id",
        "kind",
        "milestone_id",
        "step_id",
        "reason",
        "at",
    }


def test_until_stops_the_clock() -> None:
    until = datetime(2026, 1, 7, tzinfo=UTC)
    result = simulate([load_journey(ONBOARDING)], read_inputs(EVENTS), until=until)
    assert [c.step_id for c in result.commands] == ["welcome", "welcome"]
    assert max(t.at for t in result.transitions) <= until


def test_the_same_run_twice_prints_the_same_json() -> None:
    first = simulate([load_journey(ONBOARDING)], read_inputs(EVENTS)).to_json()
    second = simulate([load_journey(ONBOARDING)], read_inputs(EVENTS)).to_json()
    assert first == second
