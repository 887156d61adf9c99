"""The suppression list: addresses not to send to, and why.

One document per address in `suppressions`: `{_id: "<channel>:<sha256 of the normalised
address>", channel, reason, source, created_at}` — the address itself is never stored.
Hard bounces, complaints, invalid numbers and dead push tokens block every send; an
unsubscribe blocks marketing only, so a password reset still reaches the customer.

Every command is checked, so the list is held in memory: loaded at start, reloaded every few
seconds for what other dispatchers added, and updated at once with what this one adds.
(A lookup per command would scan the collection on FerretDB.)
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, get_args

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from waymark.channel_dispatch.storage import with_retries
from waymark.core.adapters.mongo import DuplicateError, insert_unique
from waymark.core.contracts import Category, Channel
from waymark.core.observability.metrics import DISPATCH_SUPPRESSIONS_ADDED

__all__ = ["SuppressionList", "SuppressionReason", "suppression_key"]

SuppressionReason = Literal[
    "hard_bounce", "complaint", "unsubscribe", "invalid_number", "invalid_token"
]
_REASONS: frozenset[str] = frozenset(get_args(SuppressionReason))
_MARKETING_ONLY: frozenset[str] = frozenset({"unsubscribe"})
_NOT_DIGITS = re.compile(r"[^\d+]")

log = structlog.get_logger(__name__)


def normalise(channel: Channel, address: str) -> str:
    """The canonical form of an address: emails lowercased, phone numbers digits only."""
    address = address.strip()
    if channel == "email":
        return address.lower()
    if channel == "sms":
        return _NOT_DIGITS.sub("", address)
    return address


def suppression_key(channel: Channel, address: str) -> str:
    """The `_id` of an address's suppression: the channel and a digest, never the address."""
    digest = hashlib.sha256(normalise(channel, address).encode()).hexdigest()
    return f"{channel}:{digest}"


def blocks(reason: str, category: Category) -> bool:
    """Whether a suppression for `reason` stops a send of `category`."""
    return category == "marketing" or reason not in _MARKETING_ONLY


class SuppressionList:
    """Suppressed addresses in MongoDB, mirrored in memory."""

    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        *,
        clock: Callable[[], datetime],
        refresh_s: float = 5.0,
    ) -> None:
        """Use the `suppressions` collection of `database`."""
        self._collection = database["suppressions"]
        self._clock = clock
        self._refresh_s = refresh_s
        self._reasons: dict[str, str] = {}
        self._added_here: dict[str, str] = {}

    async def load(self) -> None:
        """Read the whole list (at start and then every few seconds)."""
        docs = await with_retries(
            lambda: self._collection.find({}, {"reason": 1}).to_list(None),
            what="read suppressions",
        )
        reasons = {str(doc["_id"]): str(doc.get("reason")) for doc in docs}
        # What this process added wins until the store shows it.
        reasons.update(self._added_here)
        self._reasons = reasons

    async def keep_fresh(self, stopping: asyncio.Event) -> None:
        """Reload every `refresh_s` until `stopping` is set; a failed reload is retried."""
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=self._refresh_s)
            if stopping.is_set():
                return
            try:
                await self.load()
            except Exception as exc:  # keep the last list; the next reload tries again
                log.warning("suppressions_reload_failed", error=str(exc))

    def reason_for(self, channel: Channel, address: str, category: Category) -> str | None:
        """Why a send of `category` to `address` is suppressed, or None when it is not."""
        reason = self._reasons.get(suppression_key(channel, address))
        if reason is None or not blocks(reason, category):
            return None
        return reason

    async def add(
        self, channel: Channel, address: str, reason: SuppressionReason, *, source: str
    ) -> None:
        """Suppress an address; a reason that blocks more replaces one that blocks less."""
        await self.add_key(suppression_key(channel, address), channel, reason, source=source)

    async def add_key(
        self, key: str, channel: Channel, reason: SuppressionReason, *, source: str
    ) -> None:
        """Suppress the address whose suppression key is `key` (from an unsubscribe token)."""
        if reason not in _REASONS:
            raise ValueError(f"unknown suppression reason {reason!r}")
        if not key.startswith(f"{channel}:"):
            raise ValueError("the key does not belong to the channel")
        current = self._reasons.get(key)
        if current is not None and (current == reason or current not in _MARKETING_ONLY):
            return
        self._reasons[key] = self._added_here[key] = reason
        doc = {
            "_id": key,
            "channel": channel,
            "reason": reason,
            "source": source,
            "created_at": self._clock(),
        }
        # Idempotency guard. One document per address; a second add upgrades or does nothing.
        try:
            await with_retries(lambda: insert_unique(self._collection, doc), what="suppress")
        except DuplicateError:
            if reason in _MARKETING_ONLY:
                return
            await with_retries(
                lambda: self._collection.update_one(
                    {"_id": key, "reason": {"$in": sorted(_MARKETING_ONLY)}},
                    {"$set": {"reason": reason, "source": source}},
                ),
                what="suppress",
            )
        DISPATCH_SUPPRESSIONS_ADDED.labels(channel=channel, reason=reason).inc()
