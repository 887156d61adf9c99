"""The async MongoDB client and the typed errors the services rely on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from waymark.core.errors import WaymarkError
from waymark.core.settings import MongoSettings

__all__ = ["DuplicateError", "connect", "insert_unique"]


class DuplicateError(WaymarkError):
    """A document with the same unique key exists already (e.g. a command already claimed)."""

    def __init__(self, collection: str, key: Mapping[str, Any] | None) -> None:
        self.collection = collection
        self.key = dict(key or {})
        super().__init__(f"duplicate key in {collection}: {self.key}")


def connect(settings: MongoSettings, **options: Any) -> AsyncMongoClient[dict[str, Any]]:
    """An AsyncMongoClient for `settings.url`; one per event loop."""
    defaults: dict[str, Any] = {"serverSelectionTimeoutMS": 10000, "tz_aware": True}
    defaults.update(options)
    return AsyncMongoClient(settings.url, **defaults)


async def insert_unique(
    collection: AsyncCollection[dict[str, Any]], document: dict[str, Any]
) -> None:
    """Insert `document`, raising DuplicateError when a unique index already holds its key."""
    try:
        await collection.insert_one(document)
    except DuplicateKeyError as exc:
        details = exc.details or {}
        raise DuplicateError(collection.name, details.get("keyValue")) from exc
