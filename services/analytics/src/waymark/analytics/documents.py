"""Records as MongoDB documents: one document per fact, keyed by the record's own id.

Every number analytics shows is a count of these documents (`$match` + `$group`), so a record
seen twice is one document and counts once. That holds for the instances in each step too: a
transition fact records where it moved its instance from and to (see `instances`), and the
instances at a position are the moves to it minus the moves away. Nothing is ever updated,
because FerretDB scans the whole collection for every update or delete. Only plain values are
stored: journey, step and reason ids are values, never keys (FerretDB refuses `.` and `$` in
keys).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from waymark.core.contracts import CustomerEvent, DispatchOutcome, JourneyTransition

__all__ = [
    "GOAL_HITS",
    "IMPLIED_STATUSES",
    "JOURNEYS",
    "MESSAGE_STATUSES",
    "OUTCOMES",
    "TRANSITIONS",
    "day_of",
    "goal_hit_document",
    "message_key",
    "message_status_documents",
    "outcome_document",
    "transition_document",
]

TRANSITIONS: Final = "analytics_transitions"
"""One document per JourneyTransition, `_id` = transition_id, with the move it made its
instance (`to_*`/`from_*`, see `instances`): instances are counted from these too."""
OUTCOMES: Final = "analytics_outcomes"
"""One document per DispatchOutcome, `_id` = outcome_id (for the customer trace)."""
MESSAGE_STATUSES: Final = "analytics_message_statuses"
"""One document per (message, status) reached, `_id` = `message|status`."""
GOAL_HITS: Final = "analytics_goal_hits"
"""One document per (journey, customer event meeting its goal), `_id` = `journey|event_id`."""
JOURNEYS: Final = "analytics_journeys"
"""One document per journey version, `_id` = `journey_id/version`: its outline."""

IMPLIED_STATUSES: Final[dict[str, tuple[str, ...]]] = {
    "sent": ("sent",),
    "delivered": ("delivered", "sent"),
    "opened": ("opened", "delivered", "sent"),
    "clicked": ("clicked", "opened", "delivered", "sent"),
    "bounced": ("bounced", "sent"),
    "unsubscribed": ("unsubscribed", "delivered", "sent"),
    "failed": ("failed",),
    "suppressed": ("suppressed",),
    "expired": ("expired",),
}
"""The statuses a reported status proves: providers often report `opened` without `delivered`,
and a click is an open. A message counts once per status however many reports prove it."""


def day_of(at: datetime) -> str:
    """The UTC day of an instant as `YYYY-MM-DD`: the bucket of the daily time series."""
    return at.astimezone(UTC).date().isoformat()


def transition_document(record: JourneyTransition, seq: int) -> dict[str, Any]:
    """The fact of one transition; `seq` (its offset) orders facts of the same instant and the
    transitions of an instance (all in one partition). The aggregator adds the move."""
    return {
        "_id": record.transition_id,
        "customer_id": record.customer_id,
        "journey_id": record.journey_id,
        "journey_version": record.journey_version,
        "entry_id": record.entry_id,
        "kind": record.kind,
        "milestone_id": record.milestone_id,
        "step_id": record.step_id,
        "reason": record.reason,
        "split_path": record.split_path,
        "control": record.control,
        "at": record.at,
        "day": day_of(record.at),
        "input_id": record.input_id,
        "seq": seq,
    }


def outcome_document(record: DispatchOutcome, seq: int) -> dict[str, Any]:
    """The fact of one outcome, for the customer trace."""
    return {
        "_id": record.outcome_id,
        "command_id": record.command_id,
        "customer_id": record.customer_id,
        "journey_id": record.journey_id,
        "journey_version": record.journey_version,
        "entry_id": record.entry_id,
        "step_id": record.step_id,
        "channel": record.channel,
        "status": record.status,
        "reason": record.reason,
        "provider": record.provider,
        "at": record.at,
        "day": day_of(record.at),
        "seq": seq,
    }


def message_key(record: DispatchOutcome) -> str:
    """The message an outcome is about: its command, else the provider's id, else itself."""
    if record.command_id:
        return record.command_id
    if record.provider_message_id:
        return f"{record.provider}:{record.provider_message_id}"
    return f"outcome:{record.outcome_id}"


def message_status_documents(record: DispatchOutcome) -> list[dict[str, Any]]:
    """One document per status the outcome proves its message reached."""
    key = message_key(record)
    return [
        {
            "_id": f"{key}|{status}",
            "message": key,
            "customer_id": record.customer_id,
            "journey_id": record.journey_id,
            "journey_version": record.journey_version,
            "step_id": record.step_id,
            "channel": record.channel,
            "status": status,
            "at": record.at,
            "day": day_of(record.at),
        }
        for status in IMPLIED_STATUSES.get(record.status, (record.status,))
    ]


def goal_hit_document(journey_id: str, event: CustomerEvent) -> dict[str, Any]:
    """A customer event that meets the journey's goal: a conversion for either holdout arm."""
    return {
        "_id": f"{journey_id}|{event.event_id}",
        "journey_id": journey_id,
        "customer_id": event.customer_id,
        "event": event.name,
        "at": event.timestamp,
        "day": day_of(event.timestamp),
    }
