"""The customer trace merges transitions and outcomes, most recent first, and says in words why
each send did not go out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from waymark.analytics.trace import build_trace, explain

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def _transition(
    kind: str, step: str | None, seconds: int, seq: int, reason: str | None = None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "journey_id": "welcome",
        "journey_version": 1,
        "entry_id": "e1",
        "milestone_id": "m",
        "step_id": step,
        "reason": reason,
        "at": T0 + timedelta(seconds=seconds),
        "seq": seq,
    }


def _channel(journey_id: str | None, version: int | None, step_id: str | None) -> str | None:
    return {"hello": "email", "nudge": "sms"}.get(step_id or "")


def test_reasons_are_explained() -> None:
    assert explain("transition", "suppressed", None, "no_consent", "email") == (
        "not sent: the customer has not granted marketing consent on email"
    )
    assert explain("transition", "suppressed", None, "frequency_cap", None) == (
        "not sent: the customer reached the marketing frequency cap"
    )
    assert explain("transition", "waiting", None, "quiet_hours", "push").startswith("delayed")  # type: ignore[union-attr]
    assert explain("outcome", "outcome", "bounced", "hard_bounce", "email") == (
        "not delivered: the provider bounced it (hard_bounce)"
    )
    assert explain("outcome", "outcome", "expired", None, "sms") == (
        "not sent: it expired before it could be sent"
    )
    assert explain("transition", "step_entered", None, None, "email") is None
    assert explain("outcome", "outcome", "delivered", None, "email") is None


def test_the_trace_is_most_recent_first_and_orders_one_instant_by_offset() -> None:
    transitions = [
        _transition("step_entered", "hello", 0, 10),
        _transition("suppressed", "hello", 0, 11, "no_consent"),
        _transition("step_entered", "nudge", 5, 12),
        _transition("suppressed", "nudge", 5, 13, "no_address"),
    ]
    outcome = {
        "status": "failed",
        "channel": "email",
        "journey_id": "receipts",
        "journey_version": 2,
        "step_id": "confirm",
        "reason": "provider_rejected",
        "at": T0 + timedelta(seconds=3),
        "seq": 1,
    }
    trace = build_trace("c1", (transitions, [outcome]), (transitions[1::2], [outcome]), _channel, 3)
    assert [(e.kind, e.step_id) for e in trace.decisions] == [
        ("suppressed", "nudge"),
        ("step_entered", "nudge"),
        ("outcome", "confirm"),
    ]
    assert [(e.source, e.channel, e.reason) for e in trace.skipped] == [
        ("transition", "sms", "no_address"),
        ("outcome", "email", "provider_rejected"),
        ("transition", "email", "no_consent"),
    ]
    assert trace.skipped[0].explanation == "not sent: the profile has no sms address"
