"""Where each journey instance is now: the position its latest transition leaves it in.

Counting "customers in this step now" needs the latest position of every instance, which no
count of facts gives (a milestone advance or an `exit_when` abandons a step without a
transition naming it). The position is a function of the instance's latest transition alone:
every transition names the milestone the instance is in; `step_entered` and `waiting` name the
step it now sits in, every other kind leaves it between steps; `exited` ends it.

So a batch replaces the documents of the instances it touched with the position of each one's
last transition in the batch — no read of the previous state, no increment. Why that survives a
crash and a replay: a batch re-delivered after a crash holds the last transition of every
instance it touched, so re-applying it writes the same documents; a replay by the engine
re-delivers a suffix of a partition in its original order, so the last write is the same too.
The facts, not these documents, are what the counts are made of.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from waymark.core.contracts import JourneyTransition

__all__ = ["ACTIVE", "EXITED", "instance_document", "positions"]

ACTIVE = "active"
EXITED = "exited"


def instance_document(record: JourneyTransition) -> dict[str, Any]:
    """The instance document an instance's latest transition implies."""
    in_step = record.kind in ("step_entered", "waiting")
    exited = record.kind == "exited"
    return {
        "_id": record.entry_id,
        "journey_id": record.journey_id,
        "journey_version": record.journey_version,
        "customer_id": record.customer_id,
        "status": EXITED if exited else ACTIVE,
        "milestone_id": record.milestone_id,
        # A wait at the end of a milestone (or before the first) names no step.
        "step_id": record.step_id if in_step else None,
        "exit_reason": record.reason if exited else None,
        "updated_at": record.at,
    }


def positions(records: Iterable[JourneyTransition]) -> list[dict[str, Any]]:
    """One document per instance of a batch, from its last transition (partition order)."""
    latest: dict[str, JourneyTransition] = {}
    for record in records:
        latest[record.entry_id] = record
    return [instance_document(record) for record in latest.values()]
