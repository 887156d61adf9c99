"""`JourneyStore`: journeys and their published versions in MongoDB (FerretDB subset).

Definitions are stored as JSON text, never as nested documents: `update.set` keys such as
`profile.plan` contain dots, which FerretDB (and older MongoDB) refuse as field names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from waymark.core.adapters.mongo import insert_unique
from waymark.core.journeys import Category

__all__ = ["JourneyRecord", "JourneyStore", "Status", "VersionRecord"]

Status = Literal["draft", "active", "paused", "archived"]
"""A journey's lifecycle status."""

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class JourneyRecord:
    """One journey: its current definition, status and latest published version (0: none)."""

    id: str
    name: str
    type: Category
    status: Status
    definition: dict[str, Any]
    checksum: str
    version: int
    published_status: Status | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One published version; `on_topic` once the broker acknowledged its record."""

    journey_id: str
    version: int
    type: Category
    definition: dict[str, Any]
    checksum: str
    status: Status
    published_at: datetime
    on_topic: bool


def _journey(doc: Mapping[str, Any]) -> JourneyRecord:
    return JourneyRecord(
        id=doc["_id"],
        name=doc["name"],
        type=doc["type"],
        status=doc["status"],
        definition=json.loads(doc["definition"]),
        checksum=doc["checksum"],
        version=doc["version"],
        published_status=doc.get("published_status"),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def _version(doc: Mapping[str, Any]) -> VersionRecord:
    return VersionRecord(
        journey_id=doc["journey_id"],
        version=doc["version"],
        type=doc["type"],
        definition=json.loads(doc["definition"]),
        checksum=doc["checksum"],
        status=doc["status"],
        published_at=doc["published_at"],
        on_topic=doc["on_topic"],
    )


def _version_key(journey_id: str, version: int) -> str:
    return f"{journey_id}/{version}"


class JourneyStore:
    """Reads and conditional writes of `journeys` and `journey_versions`."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        """Use the `journeys` and `journey_versions` collections of `database`."""
        self._journeys = database["journeys"]
        self._versions = database["journey_versions"]

    async def ensure_indexes(self) -> None:
        """The indexes the queries rely on; idempotent."""
        await self._journeys.create_index([("type", ASCENDING), ("status", ASCENDING)])
        await self._versions.create_index(
            [("journey_id", ASCENDING), ("version", ASCENDING)], unique=True
        )
        await self._versions.create_index([("on_topic", ASCENDING)])

    # --- journeys

    async def insert(self, record: JourneyRecord) -> None:
        """Insert a new journey; DuplicateError when the id is taken."""
        await insert_unique(
            self._journeys,
            {
                "_id": record.id,
                "name": record.name,
                "type": record.type,
                "status": record.status,
                "definition": json.dumps(record.definition, ensure_ascii=False),
                "checksum": record.checksum,
                "version": record.version,
                "published_status": record.published_status,
                "created_at": record.created_at,
                "updated_at": record.updated_at,
            },
        )

    async def get(self, journey_id: str) -> JourneyRecord | None:
        """The journey, or None."""
        doc = await self._journeys.find_one({"_id": journey_id})
        return _journey(doc) if doc is not None else None

    async def find(
        self, *, type: Category | None = None, status: Status | None = None
    ) -> list[JourneyRecord]:
        """Journeys by id, filtered by type and status when given."""
        query: Document = {}
        if type is not None:
            query["type"] = type
        if status is not None:
            query["status"] = status
        cursor = self._journeys.find(query).sort("_id", ASCENDING)
        return [_journey(doc) async for doc in cursor]

    async def save(
        self,
        current: JourneyRecord,
        *,
        status: Status | None = None,
        definition: dict[str, Any] | None = None,
        checksum: str | None = None,
        version: int | None = None,
        now: datetime,
    ) -> bool:
        """Write the changes only if the journey is still as `current` saw it (optimistic)."""
        changes: Document = {"updated_at": now}
        if status is not None:
            changes["status"] = status
        if version is not None:
            changes["version"] = version
        if definition is not None and checksum is not None:
            changes["definition"] = json.dumps(definition, ensure_ascii=False)
            changes["checksum"] = checksum
            changes["name"] = definition.get("name", current.name)
            changes["type"] = definition.get("type", current.type)
        result = await self._journeys.update_one(
            {
                "_id": current.id,
                "status": current.status,
                "version": current.version,
                "checksum": current.checksum,
            },
            {"$set": changes},
        )
        return result.matched_count == 1

    async def delete(self, current: JourneyRecord) -> bool:
        """Delete the journey if unchanged; its versions stay, marked deleted (see docs/api.md)."""
        result = await self._journeys.delete_one(
            {"_id": current.id, "status": current.status, "version": current.version}
        )
        if result.deleted_count != 1:
            return False
        # Kept because the compacted topic keeps their keys forever: a journey created again
        # under this id must number its versions after them, or it would overwrite them.
        await self._versions.update_many(
            {"journey_id": current.id, "deleted": False}, {"$set": {"deleted": True}}
        )
        return True

    async def mark_status_published(self, journey_id: str, status: Status) -> None:
        """Record that the topic holds `status` for the journey's latest version."""
        # Only while it is still the status: a newer change must stay marked as unpublished.
        await self._journeys.update_one(
            {"_id": journey_id, "status": status}, {"$set": {"published_status": status}}
        )

    async def status_unpublished(self) -> list[JourneyRecord]:
        """Journeys with a published version whose current status the topic may lack."""
        cursor = self._journeys.find({"version": {"$gt": 0}}).sort("_id", ASCENDING)
        records = [_journey(doc) async for doc in cursor]
        return [record for record in records if record.published_status != record.status]

    # --- versions

    async def next_version(self, journey_id: str) -> int:
        """One more than the highest version ever published under this id, deleted ones too."""
        doc = await self._versions.find_one(
            {"journey_id": journey_id}, sort=[("version", DESCENDING)]
        )
        return int(doc["version"]) + 1 if doc is not None else 1

    async def insert_version(self, record: VersionRecord) -> None:
        """Insert a version; DuplicateError when that number exists (a concurrent publish)."""
        await insert_unique(
            self._versions,
            {
                "_id": _version_key(record.journey_id, record.version),
                "journey_id": record.journey_id,
                "version": record.version,
                "type": record.type,
                "definition": json.dumps(record.definition, ensure_ascii=False),
                "checksum": record.checksum,
                "status": record.status,
                "published_at": record.published_at,
                "on_topic": record.on_topic,
                "deleted": False,
            },
        )

    async def get_version(self, journey_id: str, version: int) -> VersionRecord | None:
        """One version of a live journey, or None."""
        doc = await self._versions.find_one(
            {"journey_id": journey_id, "version": version, "deleted": False}
        )
        return _version(doc) if doc is not None else None

    async def versions(self, journey_id: str) -> list[VersionRecord]:
        """Every version of a live journey, oldest first."""
        cursor = self._versions.find({"journey_id": journey_id, "deleted": False}).sort(
            "version", ASCENDING
        )
        return [_version(doc) async for doc in cursor]

    async def delete_version(self, journey_id: str, version: int) -> None:
        """Remove a version that was never published (its journey never pointed at it)."""
        await self._versions.delete_one(
            {"_id": _version_key(journey_id, version), "on_topic": False}
        )

    async def mark_on_topic(self, journey_id: str, version: int) -> None:
        """Record that the broker acknowledged this version's record."""
        await self._versions.update_one(
            {"_id": _version_key(journey_id, version)}, {"$set": {"on_topic": True}}
        )

    async def versions_off_topic(self) -> Sequence[VersionRecord]:
        """Versions written to MongoDB whose record the broker never acknowledged."""
        cursor = self._versions.find({"on_topic": False, "deleted": False}).sort(
            [("journey_id", ASCENDING), ("version", ASCENDING)]
        )
        return [_version(doc) async for doc in cursor]
