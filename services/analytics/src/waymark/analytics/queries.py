"""The read side: counts of fact documents by `$match` + `$group` (FerretDB's subset).

Each query returns plain rows; `stats` turns them into the API's bodies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from waymark.analytics.catalog import JourneyOutline
from waymark.analytics.documents import (
    GOAL_HITS,
    JOURNEYS,
    MESSAGE_STATUSES,
    OUTCOMES,
    TRANSITIONS,
)

__all__ = ["InstanceRow", "Reader", "TransitionRow"]

_SKIPPED_OUTCOMES = ["suppressed", "failed", "bounced", "expired"]

_PositionKey = tuple[str, int, str | None, str | None, str | None]
"""(journey, version, status, milestone, step) of instances."""


@dataclass(frozen=True, slots=True)
class TransitionRow:
    """How many transitions share a journey, version, kind, milestone, step and reason."""

    journey_id: str
    version: int
    kind: str
    milestone_id: str | None
    step_id: str | None
    reason: str | None
    count: int


@dataclass(frozen=True, slots=True)
class InstanceRow:
    """How many instances share a journey, version, status, milestone and step now."""

    journey_id: str
    version: int
    status: str
    milestone_id: str | None
    step_id: str | None
    count: int


def _match(journey_ids: Sequence[str] | None, version: int | None) -> dict[str, Any]:
    match: dict[str, Any] = {}
    if journey_ids is not None:
        match["journey_id"] = journey_ids[0] if len(journey_ids) == 1 else {"$in": journey_ids}
    if version is not None:
        match["journey_version"] = version
    return match


class Reader:
    """Queries over the aggregates of one database."""

    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.database = database

    async def _group(self, collection: str, pipeline: list[dict[str, Any]]) -> list[Any]:
        cursor = await self.database[collection].aggregate(pipeline)
        return await cursor.to_list(None)

    async def outlines(self, journey_id: str | None = None) -> list[JourneyOutline]:
        """Every stored journey version (of one journey), highest version first."""
        query = {"journey_id": journey_id} if journey_id is not None else {}
        documents = await self.database[JOURNEYS].find(query).to_list(None)
        outlines = [JourneyOutline.from_document(doc) for doc in documents]
        return sorted(outlines, key=lambda o: (o.journey_id, -o.version))

    async def has_facts(self, journey_id: str) -> bool:
        """Whether any transition of this journey was seen."""
        found = await self.database[TRANSITIONS].find_one({"journey_id": journey_id}, {"_id": 1})
        return found is not None

    async def transitions(
        self, journey_ids: Sequence[str] | None, version: int | None = None
    ) -> list[TransitionRow]:
        """Transition counts by journey, version, kind, milestone, step and reason."""
        key = {
            "j": "$journey_id",
            "v": "$journey_version",
            "k": "$kind",
            "m": "$milestone_id",
            "s": "$step_id",
            "r": "$reason",
        }
        pipeline = [
            {"$match": _match(journey_ids, version)},
            {"$group": {"_id": key, "n": {"$sum": 1}}},
        ]
        return [
            TransitionRow(
                row["_id"]["j"],
                int(row["_id"]["v"]),
                row["_id"]["k"],
                row["_id"].get("m"),
                row["_id"].get("s"),
                row["_id"].get("r"),
                int(row["n"]),
            )
            for row in await self._group(TRANSITIONS, pipeline)
        ]

    async def instances(
        self, journey_ids: Sequence[str] | None, version: int | None = None
    ) -> list[InstanceRow]:
        """Instance counts by journey, version, status, milestone and step: the transitions
        that moved an instance to a position minus those that moved one away from it (see
        `instances`). Facts that recorded no move (written before moves were) count nowhere."""
        arrived = await self._moves("to", journey_ids, version)
        left = await self._moves("from", journey_ids, version)
        rows: list[InstanceRow] = []
        for key, count in arrived.items():
            journey_id, journey_version, status, milestone_id, step_id = key
            now = count - left.get(key, 0)
            if status is not None and now > 0:
                rows.append(
                    InstanceRow(journey_id, journey_version, status, milestone_id, step_id, now)
                )
        return rows

    async def _moves(
        self, end: str, journey_ids: Sequence[str] | None, version: int | None
    ) -> dict[_PositionKey, int]:
        """Transition facts by the position they moved an instance `to` or `from`."""
        key = {
            "j": "$journey_id",
            "v": "$journey_version",
            # Flat field paths: FerretDB groups by a top-level field, not a nested one.
            "st": f"${end}_status",
            "m": f"${end}_milestone_id",
            "s": f"${end}_step_id",
        }
        pipeline = [
            {"$match": _match(journey_ids, version)},
            {"$group": {"_id": key, "n": {"$sum": 1}}},
        ]
        counts: dict[_PositionKey, int] = {}
        for row in await self._group(TRANSITIONS, pipeline):
            group = row["_id"]
            position = (
                group["j"],
                int(group["v"]),
                group.get("st"),
                group.get("m"),
                group.get("s"),
            )
            counts[position] = counts.get(position, 0) + int(row["n"])
        return counts

    async def messages(self, journey_id: str, version: int | None) -> list[tuple[str, str, int]]:
        """(channel, status, distinct messages) of a journey."""
        pipeline = [
            {"$match": _match([journey_id], version)},
            {"$group": {"_id": {"c": "$channel", "s": "$status"}, "n": {"$sum": 1}}},
        ]
        rows = await self._group(MESSAGE_STATUSES, pipeline)
        return [(row["_id"]["c"], row["_id"]["s"], int(row["n"])) for row in rows]

    async def daily(
        self, collection: str, match: dict[str, Any], first: str, last: str
    ) -> dict[str, int]:
        """Documents per UTC day (`YYYY-MM-DD`) between `first` and `last` inclusive."""
        pipeline = [
            {"$match": {**match, "day": {"$gte": first, "$lte": last}}},
            {"$group": {"_id": "$day", "n": {"$sum": 1}}},
        ]
        return {row["_id"]: int(row["n"]) for row in await self._group(collection, pipeline)}

    async def split_assignments(
        self, journey_id: str, step_id: str
    ) -> list[tuple[str, int, datetime, bool]]:
        """(customer, version, at, control) of every entry the split step assigned."""
        cursor = self.database[TRANSITIONS].find(
            {"journey_id": journey_id, "kind": "step_completed", "step_id": step_id},
            {"customer_id": 1, "journey_version": 1, "at": 1, "control": 1, "reason": 1},
        )
        return [
            (
                doc["customer_id"],
                int(doc["journey_version"]),
                doc["at"],
                bool(doc.get("control")) or doc.get("reason") == "holdout",
            )
            for doc in await cursor.to_list(None)
        ]

    async def goal_times(self, journey_id: str) -> dict[str, list[datetime]]:
        """Each customer's goal event times for a journey, sorted."""
        cursor = self.database[GOAL_HITS].find(
            {"journey_id": journey_id}, {"customer_id": 1, "at": 1}
        )
        times: dict[str, list[datetime]] = {}
        for doc in await cursor.to_list(None):
            times.setdefault(doc["customer_id"], []).append(doc["at"])
        for values in times.values():
            values.sort()
        return times

    async def trace(
        self, customer_id: str, limit: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A customer's latest transitions and outcomes, most recent first."""
        order = [("at", DESCENDING), ("seq", DESCENDING)]
        transitions = self.database[TRANSITIONS].find({"customer_id": customer_id})
        outcomes = self.database[OUTCOMES].find({"customer_id": customer_id})
        return (
            await transitions.sort(order).limit(limit).to_list(None),
            await outcomes.sort(order).limit(limit).to_list(None),
        )

    async def skipped(
        self, customer_id: str, limit: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A customer's skipped sends: `suppressed` transitions and skipped or failed
        outcomes, most recent first."""
        order = [("at", DESCENDING), ("seq", DESCENDING)]
        transitions = self.database[TRANSITIONS].find(
            {"customer_id": customer_id, "kind": "suppressed"}
        )
        outcomes = self.database[OUTCOMES].find(
            {"customer_id": customer_id, "status": {"$in": _SKIPPED_OUTCOMES}}
        )
        return (
            await transitions.sort(order).limit(limit).to_list(None),
            await outcomes.sort(order).limit(limit).to_list(None),
        )
