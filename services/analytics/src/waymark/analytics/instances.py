"""Where each journey instance is now, counted from the moves its transition facts record.

Counting "customers in this step now" needs the latest position of every instance, which no
count of transition kinds gives (a milestone advance or an `exit_when` abandons a step without
a transition naming it). The position is a function of the instance's latest transition alone:
every transition names the milestone the instance is in; `step_entered` and `waiting` name the
step it now sits in, every other kind leaves it between steps; `exited` ends it.

So every transition fact also records its move: the position it leaves the instance in
(`to_status`, `to_milestone_id`, `to_step_id`) and the one the instance had before (`from_*`,
all None for a new instance). An instance's facts form a chain, nothing → p1 → p2 → … → pn, and
"instances at P now" is the facts moving to P minus the facts moving away from P: the chain
telescopes to one at pn. Nothing but inserts: FerretDB (SQLite) pushes down no update, delete
or `$in`, so a document per instance, replaced per batch, cost a scan of every instance ever
seen on each batch; an insert costs the same whatever the collection holds.

The "from" comes from memory: `Positions` keeps the latest position of every active instance
(exited ones are done: nothing moves them again). Why the chain has no gap and no double link:
- A fact and its move are one document, inserted once (`_id` = transition_id): a fact is
  counted with its move or not at all.
- A crash loses the memory, not the facts: a restarted (or rebalanced) consumer loads each
  instance's latest position from its fact with the highest `seq` (the offset: an instance's
  transitions are all in one partition). A re-delivered batch then finds the facts inserted
  before the crash refused, with the moves they carried; the ones still missing come from their
  predecessor in the batch or the loaded position, which is the fact before them. This takes
  an insert cut short to have written a prefix of its documents (the server writes them in
  order): were a later transition of an instance in without an earlier one, the earlier one's
  move would start where the later one ended.
- The engine replays a suffix of a partition in its original order. Its copies are refused as
  facts, but they set the memory as they go (a failed insert sets nothing, and the batch is
  retried), so the first new transition after them comes from its true predecessor.
Facts written before moves were recorded carry none; they are left out of the counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from pymongo.asynchronous.database import AsyncDatabase

from waymark.analytics.documents import TRANSITIONS
from waymark.core.contracts import JourneyTransition

__all__ = [
    "ACTIVE",
    "EXITED",
    "Position",
    "Positions",
    "latest_active",
    "move_fields",
    "position_of",
]

ACTIVE = "active"
EXITED = "exited"

_LOAD_PROJECTION: Mapping[str, int] = {
    "_id": 0,
    "entry_id": 1,
    "seq": 1,
    "to_status": 1,
    "to_milestone_id": 1,
    "to_step_id": 1,
}


class Position(NamedTuple):
    """Where a transition leaves its instance."""

    status: str
    milestone_id: str | None
    step_id: str | None


def position_of(record: JourneyTransition) -> Position:
    """The position an instance is in after this transition."""
    in_step = record.kind in ("step_entered", "waiting")
    return Position(
        EXITED if record.kind == "exited" else ACTIVE,
        record.milestone_id,
        # A wait at the end of a milestone (or before the first) names no step.
        record.step_id if in_step else None,
    )


def move_fields(came_from: Position | None, to: Position) -> dict[str, Any]:
    """The fields of a transition fact that say where its instance went and came from."""
    before = came_from or (None, None, None)
    return {
        "to_status": to.status,
        "to_milestone_id": to.milestone_id,
        "to_step_id": to.step_id,
        "from_status": before[0],
        "from_milestone_id": before[1],
        "from_step_id": before[2],
    }


class _Latest:
    """Folds transition facts into the position of each instance's highest-`seq` fact."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[int, Position]] = {}

    def add(self, document: Mapping[str, Any]) -> None:
        status = document.get("to_status")
        if status is None:
            return  # written before facts recorded their move
        entry_id, seq = document["entry_id"], int(document["seq"])
        known = self._found.get(entry_id)
        if known is None or seq > known[0]:
            position = Position(status, document.get("to_milestone_id"), document.get("to_step_id"))
            self._found[entry_id] = (seq, position)

    def active(self) -> dict[str, Position]:
        return {
            entry_id: position
            for entry_id, (_, position) in self._found.items()
            if position.status != EXITED
        }


def latest_active(documents: Iterable[Mapping[str, Any]]) -> dict[str, Position]:
    """entry_id -> position of its latest fact (highest `seq`), for instances still active."""
    latest = _Latest()
    for document in documents:
        latest.add(document)
    return latest.active()


class Positions:
    """The latest position of every active instance seen: where its next transition came from.

    Holds one small tuple per active instance; exited ones are dropped.
    """

    def __init__(self, latest: Mapping[str, Position] | None = None) -> None:
        self._latest: dict[str, Position] = dict(latest or {})

    def __len__(self) -> int:
        return len(self._latest)

    def get(self, entry_id: str) -> Position | None:
        """The latest known position of an active instance, None if unknown or exited."""
        return self._latest.get(entry_id)

    def moves(self, records: Sequence[JourneyTransition]) -> list[dict[str, Any]]:
        """The move fields of each transition of a batch (a partition's records in order),
        from the previous transition of its instance in the batch, else the memory. Changes
        nothing: `advance` does, once the facts are in."""
        seen: dict[str, Position] = {}
        fields: list[dict[str, Any]] = []
        for record in records:
            to = position_of(record)
            came_from = (
                seen[record.entry_id] if record.entry_id in seen else self.get(record.entry_id)
            )
            fields.append(move_fields(came_from, to))
            seen[record.entry_id] = to
        return fields

    def advance(self, records: Iterable[JourneyTransition]) -> None:
        """Move each instance to its last position in a batch whose facts are all in, copies
        included: a copy's position is its instance's position at that point of the partition."""
        for record in records:
            to = position_of(record)
            if to.status == EXITED:
                self._latest.pop(record.entry_id, None)
            else:
                self._latest[record.entry_id] = to

    async def load(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        """Replace the memory with the latest position of every active instance in the facts
        (one pass over the transition facts, folded as they stream)."""
        latest = _Latest()
        async for document in database[TRANSITIONS].find({}, dict(_LOAD_PROJECTION)):
            latest.add(document)
        self._latest = latest.active()
