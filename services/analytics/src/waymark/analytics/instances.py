"""Where each journey instance is now, folded from its transitions in partition order.

Counting "customers in this step now" needs the latest position of every instance, which no
count of facts gives (a milestone advance or an `exit_when` abandons a step without a
transition naming it). So each instance has one document whose fields are *set* — never
incremented — by its transitions in the order of their partition.

Why setting is safe without a dedupe check: a replay re-delivers a suffix of a partition in
its original order (a restart from the committed offset, or the engine re-emitting a decision
and everything after it), so applying every record again ends in the same state. The facts,
not these documents, are what the counts are made of.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from waymark.core.contracts import JourneyTransition

__all__ = ["ACTIVE", "EXITED", "InstanceChange", "fold", "instance_fields"]

ACTIVE = "active"
EXITED = "exited"


@dataclass(slots=True)
class InstanceChange:
    """The fields one batch sets on one instance document."""

    entry_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    entered_by: str | None = None
    """The transition id of the instance's `entered`, when this batch holds it."""

    def document(self) -> dict[str, Any]:
        """A whole new instance document, for an instance born in this batch."""
        return {"_id": self.entry_id, **self.fields}


def instance_fields(record: JourneyTransition) -> dict[str, Any]:
    """The fields of the instance document a transition sets."""
    fields: dict[str, Any] = {
        "journey_id": record.journey_id,
        "journey_version": record.journey_version,
        "customer_id": record.customer_id,
        "updated_at": record.at,
    }
    kind = record.kind
    if kind == "entered":
        fields.update(
            status=ACTIVE,
            milestone_id=record.milestone_id,
            step_id=None,
            entered_at=record.at,
            converted=False,
            exit_reason=None,
        )
    elif kind == "milestone_entered":
        fields.update(milestone_id=record.milestone_id, step_id=None)
    elif kind in ("step_entered", "waiting"):
        # A wait at the end of a milestone (or before the first) names no step.
        fields.update(milestone_id=record.milestone_id, step_id=record.step_id)
    elif kind in ("step_completed", "step_failed", "suppressed"):
        fields["step_id"] = None
    elif kind == "converted":
        fields["converted"] = True
    elif kind == "exited":
        fields.update(status=EXITED, step_id=None, exit_reason=record.reason)
    return fields


def fold(records: Iterable[JourneyTransition]) -> list[InstanceChange]:
    """The changes of a batch, one per instance, each folded from its records in order."""
    changes: dict[str, InstanceChange] = {}
    for record in records:
        change = changes.get(record.entry_id)
        if change is None:
            change = changes[record.entry_id] = InstanceChange(record.entry_id)
        if record.kind == "entered":
            # A re-entry reuses no entry id, so a second `entered` can only be a replay.
            change.entered_by = change.entered_by or record.transition_id
        change.fields.update(instance_fields(record))
    return list(changes.values())
