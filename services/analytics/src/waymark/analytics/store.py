"""The write side of the aggregates in MongoDB (FerretDB-compatible subset only).

Facts are inserted, never updated: an insert of a document whose `_id` exists is refused by
the unique `_id` index, which is the whole of the dedupe. Writes are batched: FerretDB makes
every write command one synced SQLite transaction, so one `insert_many` of a thousand facts
costs about what one update costs. And FerretDB (SQLite) pushes down no filter of an update or
a delete, not even on `_id`: each one reads the whole collection. Inserts read nothing, so
the cost of a batch does not grow with the facts kept. Only journey outlines (a handful) are
ever updated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from waymark.analytics.catalog import JourneyOutline
from waymark.analytics.documents import (
    GOAL_HITS,
    JOURNEYS,
    MESSAGE_STATUSES,
    OUTCOMES,
    TRANSITIONS,
)

__all__ = ["ALL_COLLECTIONS", "Store"]

_DUPLICATE_KEY = 11000

ALL_COLLECTIONS = (TRANSITIONS, OUTCOMES, MESSAGE_STATUSES, GOAL_HITS, JOURNEYS)
"""Every collection analytics owns: what `rebuild` fills and compares."""

_INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    TRANSITIONS: [
        [("journey_id", ASCENDING), ("kind", ASCENDING), ("day", ASCENDING)],
        [("customer_id", ASCENDING), ("at", DESCENDING)],
    ],
    OUTCOMES: [[("customer_id", ASCENDING), ("at", DESCENDING)]],
    MESSAGE_STATUSES: [[("journey_id", ASCENDING), ("status", ASCENDING), ("day", ASCENDING)]],
    GOAL_HITS: [[("journey_id", ASCENDING), ("customer_id", ASCENDING)]],
    JOURNEYS: [[("journey_id", ASCENDING), ("version", ASCENDING)]],
}


class Store:
    """Writes facts and journey outlines to one database."""

    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.database = database

    async def ensure_indexes(self) -> None:
        """Create the secondary indexes (idempotent)."""
        for name, indexes in _INDEXES.items():
            for keys in indexes:
                await self.database[name].create_index(keys)

    async def insert_new(self, collection: str, documents: Sequence[dict[str, Any]]) -> set[str]:
        """Insert each document unless its `_id` exists; the ids that were new.

        Of documents sharing an `_id` within the call, the first is the one inserted.
        """
        unique: dict[str, dict[str, Any]] = {}
        for doc in documents:
            unique.setdefault(doc["_id"], doc)
        if not unique:
            return set()
        ids = list(unique)
        try:
            await self.database[collection].insert_many(list(unique.values()), ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE_KEY for e in errors):
                raise
            # Idempotency guard: a document already there was counted when it was inserted.
            refused = {e["index"] for e in errors}
            return {key for index, key in enumerate(ids) if index not in refused}
        return set(ids)

    async def save_outline(self, outline: JourneyOutline) -> None:
        """Keep a journey version's outline (a republished status replaces the old one)."""
        document = outline.to_document()
        key = document.pop("_id")
        await self.database[JOURNEYS].update_one({"_id": key}, {"$set": document}, upsert=True)

    async def outlines(self) -> list[JourneyOutline]:
        """Every journey version's outline."""
        documents = await self.database[JOURNEYS].find({}).to_list(None)
        return [JourneyOutline.from_document(doc) for doc in documents]

    async def is_empty(self) -> bool:
        """Whether no analytics collection holds a document (a fresh database)."""
        for name in ALL_COLLECTIONS:
            if await self.database[name].find_one({}, {"_id": 1}) is not None:
                return False
        return True

    async def drop(self) -> None:
        """Drop every analytics collection."""
        for name in ALL_COLLECTIONS:
            await self.database[name].drop()
