"""Publishing versions to `waymark.journeys.v1`: MongoDB first, the topic second, then marked.

Every version keeps its own key, `"{journey_id}/{version}"`, so compaction keeps each one:
customers pinned to an old version still need its definition. A status change republishes
the latest version's record with the new status; the worker takes the status of a journey's
highest version as the journey's status.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from waymark.core.contracts import AvroCodec, JourneyVersion
from waymark.core.errors import TransientError
from waymark.core.observability.metrics import API_PUBLISH_FAILURES, JOURNEY_RECORDS_PUBLISHED
from waymark.journey_engine.api.store import JourneyStore, Status, VersionRecord

__all__ = ["RecordSink", "RepairReport", "VersionPublisher", "record_key"]

_log = structlog.get_logger("waymark.journey_engine.api.publisher")

# A version newer than its journey's is a publish still in flight, or one that crashed
# between claiming the number and pointing the journey at it; after this long, the latter.
ORPHAN_GRACE = timedelta(minutes=10)


class RecordSink(Protocol):
    """Where records go: an aiokafka producer's `send_and_wait`, or a fake in tests."""

    async def send_and_wait(self, topic: str, value: bytes, key: bytes) -> object:
        """Send one record and return once the broker acknowledged it."""
        ...


def record_key(journey_id: str, version: int) -> bytes:
    """The Kafka key of a version's record: one key per version, so compaction keeps all."""
    return f"{journey_id}/{version}".encode()


@dataclass
class RepairReport:
    """What the start-up pass republished."""

    versions: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)


class VersionPublisher:
    """Puts version records on the catalog topic and marks them in MongoDB once acknowledged."""

    def __init__(
        self,
        *,
        store: JourneyStore,
        sink: RecordSink,
        topic: str,
        codec: AvroCodec,
        clock: Callable[[], datetime],
    ) -> None:
        """`topic` is the physical name of `waymark.journeys.v1` under the deployment prefix."""
        self._store = store
        self._clock = clock
        self._sink = sink
        self._topic = topic
        self._codec = codec
        # Serializes one journey's records in this process, so two quick status changes
        # cannot reach the compacted topic in the opposite order.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def lock(self, journey_id: str) -> asyncio.Lock:
        """The lock held while a journey's state changes and its record is produced."""
        return self._locks[journey_id]

    async def publish(
        self,
        version: VersionRecord,
        status: Status,
        *,
        reason: str,
        published_at: datetime | None = None,
        latest: bool = True,
    ) -> None:
        """Produce `version` with `status`, then mark it on the topic (MongoDB already has it).

        `published_at` is when the status changed, for a status republish; by default the
        version's own publication time. Only the `latest` version's record carries the
        journey's status, so only its publication marks that status as published.
        """
        record = JourneyVersion(
            journey_id=version.journey_id,
            version=version.version,
            status=status,
            type=version.type,
            definition=version.definition,
            published_at=published_at or version.published_at,
            checksum=version.checksum,
        )
        value = self._codec.encode_model(record)
        try:
            await self._sink.send_and_wait(
                self._topic, value=value, key=record_key(version.journey_id, version.version)
            )
        except Exception as exc:  # aiokafka raises many types; all mean "not acknowledged"
            API_PUBLISH_FAILURES.inc()
            _log.warning(
                "journey_publish_failed",
                journey_id=version.journey_id,
                version=version.version,
                error=str(exc),
            )
            raise TransientError(
                f"journey {version.journey_id} version {version.version} is saved but not yet "
                f"on the topic ({exc}); it is republished at the next start"
            ) from exc
        JOURNEY_RECORDS_PUBLISHED.labels(reason=reason).inc()
        await self._store.mark_on_topic(version.journey_id, version.version)
        if latest:
            await self._store.mark_status_published(version.journey_id, status)

    async def repair(self) -> RepairReport:
        """Republish every version and current status MongoDB has and the topic may lack."""
        report = RepairReport()
        stale = {journey.id for journey in await self._store.status_unpublished()}
        for version in await self._store.versions_off_topic():
            async with self.lock(version.journey_id):
                owner = await self._store.get(version.journey_id)
                if owner is None:
                    continue
                if version.version > owner.version:
                    if self._clock() - version.published_at > ORPHAN_GRACE:
                        await self._store.delete_version(version.journey_id, version.version)
                        report.orphans.append(f"{version.journey_id}/{version.version}")
                    continue
                latest = version.version == owner.version
                # Only the highest version's status counts; older ones keep the one they had.
                await self.publish(
                    version,
                    owner.status if latest else version.status,
                    reason="repair",
                    published_at=max(version.published_at, owner.updated_at) if latest else None,
                    latest=latest,
                )
            report.versions.append(f"{version.journey_id}/{version.version}")
            if latest:
                stale.discard(owner.id)
        for journey_id in sorted(stale):
            async with self.lock(journey_id):
                owner = await self._store.get(journey_id)
                if owner is None or owner.version == 0:
                    continue
                current = await self._store.get_version(journey_id, owner.version)
                if current is None:
                    continue
                await self.publish(
                    current, owner.status, reason="repair", published_at=owner.updated_at
                )
            report.statuses.append(f"{journey_id}:{owner.status}")
        if report.versions or report.statuses or report.orphans:
            _log.info(
                "journeys_republished",
                versions=report.versions,
                statuses=report.statuses,
                orphans_removed=report.orphans,
            )
        return report
