"""The journey catalog, read from the compacted journeys topic into memory and MongoDB.

Goals are matched against customer events as they are consumed, so the catalog is read to the
end before the first batch is applied (the live consumer and `rebuild` alike), and followed
afterwards. A record that is no JourneyVersion is logged, counted (`result="dlq"`) and skipped;
the engine worker refuses it too and writes its one DLQ letter, so analytics, which reads the
topic from its beginning at every start, writes none. A definition the engine would refuse is
still outlined here, as far as it can be read: its version's results stay visible.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pymongo.errors import PyMongoError

from waymark.analytics.catalog import JourneyCatalog
from waymark.analytics.consumer import SERVICE
from waymark.analytics.store import Store
from waymark.core.adapters.readiness import cause_of
from waymark.core.contracts import AvroCodec, JourneyVersion
from waymark.core.observability.metrics import INPUTS

__all__ = ["CatalogFeed"]

log = structlog.get_logger(__name__)


class CatalogFeed:
    """Keeps a JourneyCatalog and the stored outlines in step with the journeys topic."""

    def __init__(
        self,
        *,
        catalog: JourneyCatalog,
        store: Store,
        consumer: Callable[[], AIOKafkaConsumer],
        topic: str,
        codec: AvroCodec,
        retry_seconds: float = 2.0,
    ) -> None:
        self.catalog = catalog
        self.ready = asyncio.Event()
        """Set once every record present at start-up is applied."""
        self._store = store
        self._make_consumer = consumer
        self._topic = topic
        self._codec = codec
        self._retry = retry_seconds

    async def run(self, stopping: asyncio.Event, *, follow: bool = True) -> None:
        """Read from the beginning to the end; with `follow`, keep reading until `stopping`."""
        consumer = self._make_consumer()
        await consumer.start()
        try:
            partitions = consumer.partitions_for_topic(self._topic) or {0}
            tps = [TopicPartition(self._topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            ends = await consumer.end_offsets(tps)
            while not stopping.is_set():
                batch = await consumer.getmany(timeout_ms=200)
                for records in batch.values():
                    for record in records:
                        await self._apply(record, stopping)
                if not self.ready.is_set() and await _caught_up(consumer, ends):
                    self.ready.set()
                    log.info("catalog_loaded", versions=len(self.catalog.versions))
                    if not follow:
                        return
        finally:
            await consumer.stop()

    async def _apply(self, raw: ConsumerRecord[bytes, bytes], stopping: asyncio.Event) -> None:
        if raw.value is None:  # a tombstone: nothing to keep
            return
        try:
            record = self._codec.decode_as(raw.value, JourneyVersion)
        except Exception as exc:  # whatever the bytes are, they are no journey version
            self._skip(raw, "codec", exc)
            return
        try:
            outline = self.catalog.apply(record)
        except Exception as exc:  # an outline is best effort: never the end of the feed
            self._skip(raw, "definition", exc)
            return
        while True:
            try:
                await self._store.save_outline(outline)
                return
            except PyMongoError as exc:
                log.warning("outline_not_saved", journey_id=record.journey_id, error=str(exc))
                if stopping.is_set():
                    return
                await asyncio.sleep(self._retry)

    @staticmethod
    def _skip(raw: ConsumerRecord[bytes, bytes], reason: str, exc: Exception) -> None:
        INPUTS.labels(SERVICE, raw.topic, "dlq").inc()
        # The first line only: a validation error goes on with the values it refused.
        log.error(
            "journey_version_unreadable",
            topic=raw.topic,
            partition=raw.partition,
            offset=raw.offset,
            reason=reason,
            error=cause_of(exc).splitlines()[0][:200],
        )


async def _caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True
