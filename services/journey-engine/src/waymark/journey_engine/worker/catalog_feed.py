"""The catalog of published journey versions, read from the compacted `waymark.journeys.v1`.

Every worker reads the whole topic (it is small) into the engine's Catalog. Records are keyed
`journey_id/version`, so compaction keeps every version a customer may still be pinned to; the
status of a journey's highest version is the journey's status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from waymark.core.contracts import AvroCodec, CodecError, JourneyVersion
from waymark.core.engine import Catalog
from waymark.core.journeys import parse_journey

__all__ = ["CatalogFeed", "StatusChange"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A journey's status changed after the feed caught up: its customers must be told."""

    journey_id: str
    change: str
    """paused, resumed or archived (the engine's CatalogChange kinds)."""
    version: int


class CatalogFeed:
    """Keeps `catalog` in step with the journeys topic and reports live status changes."""

    def __init__(
        self,
        catalog: Catalog,
        consumer: Callable[[], AIOKafkaConsumer],
        topic: str,
        codec: AvroCodec,
        on_change: Callable[[StatusChange], Awaitable[None]],
    ) -> None:
        self.catalog = catalog
        self.ready = asyncio.Event()
        """Set once every record present at start-up has been read."""
        self._make_consumer = consumer
        self._topic = topic
        self._codec = codec
        self._on_change = on_change
        self._latest: dict[str, tuple[int, str]] = {}

    async def run(self) -> None:
        """Read the topic from the beginning, forever."""
        self._consumer = self._make_consumer()
        await self._consumer.start()
        try:
            partitions = self._consumer.partitions_for_topic(self._topic) or {0}
            tps = [TopicPartition(self._topic, p) for p in sorted(partitions)]
            self._consumer.assign(tps)
            await self._consumer.seek_to_beginning(*tps)
            ends = await self._consumer.end_offsets(tps)
            while True:
                batch = await self._consumer.getmany(timeout_ms=200)
                for records in batch.values():
                    for record in records:
                        await self._apply(record.value)
                if not self.ready.is_set() and await self._caught_up(ends):
                    self.ready.set()
                    log.info("catalog loaded", journeys=len(self.catalog.records))
        finally:
            await self._consumer.stop()

    async def _caught_up(self, ends: dict[TopicPartition, int]) -> bool:
        for tp, end in ends.items():
            if await self._consumer.position(tp) < end:
                return False
        return True

    async def _apply(self, value: bytes | None) -> None:
        if value is None:  # a tombstone: nothing to keep
            return
        try:
            record = self._codec.decode_as(value, JourneyVersion)
            journey = parse_journey(record.definition)
        except (CodecError, ValueError) as exc:
            log.error("unusable journey version record", error=str(exc))
            return
        if record.status == "draft":
            return
        previous = self._latest.get(record.journey_id)
        if previous is not None and record.version < previous[0]:
            # An older version republished: keep its definition, not its status.
            if self.catalog.version(record.journey_id, record.version) is None:
                self.catalog.publish(journey, record.version)
            return
        self.catalog.publish(journey, record.version, record.status)
        self._latest[record.journey_id] = (record.version, record.status)
        if not self.ready.is_set() or previous is None or previous[1] == record.status:
            return
        change = "resumed" if record.status == "active" else record.status
        await self._on_change(StatusChange(record.journey_id, change, record.version))
