"""Seen webhook signatures, so that a captured request cannot be played again.

A signature is claimed before its events are published and released when publishing fails,
so a provider's retry of a request that got a 503 still goes through, while a copy of an
accepted one is refused. A claim only needs to outlive its timestamp's window: older
timestamps are refused anyway.

The memory store protects one replica. With several replicas a request replayed against
another replica would pass, so multi-replica deployments use the MongoDB store, whose unique
`_id` makes the claim atomic across replicas.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any, Protocol

import structlog
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from waymark.core.adapters.mongo import DuplicateError, insert_unique
from waymark.trigger_ingest.records import Clock
from waymark.trigger_ingest.refusals import Fault, UnavailableError

__all__ = ["MemorySeenSignatures", "MongoSeenSignatures", "SeenSignatures"]

_log = structlog.get_logger("waymark.trigger_ingest.replay")


class SeenSignatures(Protocol):
    """Claims on signatures: the first claim wins until it expires or is released."""

    async def claim(self, key: str, expires_at: datetime) -> bool:
        """Claim `key`; False when it is already claimed (a replay)."""
        ...

    async def release(self, key: str) -> None:
        """Give a claim back: its request was not accepted."""
        ...


def _full(retry_after: int) -> UnavailableError:
    reason = "too many signed requests to remember right now; retry later"
    return UnavailableError(
        Fault(None, reason, "replay_store_full"), headers={"Retry-After": str(retry_after)}
    )


class MemorySeenSignatures:
    """Claims in this process, at most `capacity` of them, forgotten once expired."""

    def __init__(self, clock: Clock, *, capacity: int, retry_after: int) -> None:
        """Keep up to `capacity` live claims; beyond that, refuse with 503 rather than forget."""
        self._clock = clock
        self._capacity = capacity
        self._retry_after = retry_after
        self._claims: OrderedDict[str, datetime] = OrderedDict()

    def __len__(self) -> int:
        """Live and not yet purged claims."""
        return len(self._claims)

    async def claim(self, key: str, expires_at: datetime) -> bool:
        """Claim `key` unless a live claim holds it."""
        now = self._clock()
        self._purge(now)
        held = self._claims.get(key)
        if held is not None and held > now:
            return False
        if len(self._claims) >= self._capacity:
            self._claims = OrderedDict((k, v) for k, v in self._claims.items() if v > now)
        if len(self._claims) >= self._capacity:
            # Forgetting a live claim would reopen a replay; refusing is the safe side.
            raise _full(self._retry_after)
        self._claims[key] = expires_at
        return True

    async def release(self, key: str) -> None:
        """Drop the claim on `key`."""
        self._claims.pop(key, None)

    def _purge(self, now: datetime) -> None:
        # Claims arrive roughly in expiry order; stop at the first live one (a full sweep
        # happens only when the store is full).
        while self._claims:
            key, expires_at = next(iter(self._claims.items()))
            if expires_at > now:
                break
            del self._claims[key]


class MongoSeenSignatures:
    """Claims in a MongoDB collection shared by every replica (`_id` is the signature)."""

    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        clock: Clock,
        *,
        timeout: float,
        retry_after: int,
        purge_every: float = 30.0,
    ) -> None:
        """`timeout` bounds each database call; expired claims are purged every `purge_every` s."""
        self._collection = collection
        self._clock = clock
        self._timeout = timeout
        self._retry_after = retry_after
        self._purge_every = purge_every
        self._last_purge = 0.0

    async def claim(self, key: str, expires_at: datetime) -> bool:
        """Insert the claim; a duplicate `_id` means a live or expired-but-unpurged claim."""
        now = self._clock()
        try:
            async with asyncio.timeout(self._timeout):
                await self._maybe_purge(now)
                try:
                    await insert_unique(self._collection, {"_id": key, "expires_at": expires_at})
                    return True
                except DuplicateError:
                    pass
                # FerretDB has no TTL index: an expired claim may linger; take it over.
                result = await self._collection.update_one(
                    {"_id": key, "expires_at": {"$lte": now}}, {"$set": {"expires_at": expires_at}}
                )
                return bool(result.modified_count)
        except (PyMongoError, TimeoutError) as exc:
            _log.warning("replay store unavailable", error=str(exc) or type(exc).__name__)
            reason = "the replay store cannot be reached; retry later"
            raise UnavailableError(
                Fault(None, reason, "unavailable"), headers={"Retry-After": str(self._retry_after)}
            ) from None

    async def release(self, key: str) -> None:
        """Delete the claim; a failure only delays the provider's retry until it expires."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._collection.delete_one({"_id": key})
        except (PyMongoError, TimeoutError) as exc:
            _log.warning("replay claim not released", error=str(exc) or type(exc).__name__)

    async def _maybe_purge(self, now: datetime) -> None:
        if time.monotonic() - self._last_purge < self._purge_every:
            return
        self._last_purge = time.monotonic()
        await self._collection.delete_many({"expires_at": {"$lte": now}})
