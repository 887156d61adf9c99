"""`waymark-analytics rebuild`: every aggregate again, from the earliest offsets, into a fresh
database.

The topics are read without a consumer group (nothing is committed, the live consumer is not
disturbed) up to the end offsets they have when the rebuild starts: the catalog first, then
transitions, outcomes and events. Records go through the same Aggregator as the live consumer,
each partition in offset order, so the numbers are the live ones. Point
`WAYMARK_ANALYTICS_DATABASE` at the rebuilt database to switch the service over.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from waymark.analytics.aggregator import Aggregator, BatchResult, Envelope
from waymark.analytics.catalog import JourneyCatalog
from waymark.analytics.consumer import TOPIC_MODELS, RecordDecoder
from waymark.analytics.feed import CatalogFeed
from waymark.analytics.store import Store
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.adapters.mongo import connect
from waymark.core.contracts import AvroCodec, CodecError
from waymark.core.errors import WaymarkError
from waymark.core.settings import KafkaSettings, MongoSettings

__all__ = ["RebuildError", "RebuildReport", "rebuild"]

log = structlog.get_logger(__name__)


class RebuildError(WaymarkError):
    """The rebuild cannot start (e.g. the target database already holds aggregates)."""


@dataclass
class RebuildReport:
    """What a rebuild read and wrote."""

    database: str
    journey_versions: int = 0
    records: dict[str, int] = field(default_factory=dict)
    undecodable: int = 0
    new: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0

    def add(self, result: BatchResult) -> None:
        """Count one applied batch."""
        for name, count in result.new.items():
            self.new[name] = self.new.get(name, 0) + count
        self.duplicates += result.duplicates


async def _load_catalog(
    kafka: KafkaSettings, store: Store, catalog: JourneyCatalog, codec: AvroCodec
) -> None:
    feed = CatalogFeed(
        catalog=catalog,
        store=store,
        consumer=lambda: _reader(kafka, "catalog"),
        topic=topic_name(Topic.JOURNEYS, kafka.topic_prefix),
        codec=codec,
    )
    await feed.run(asyncio.Event(), follow=False)


async def _partitions(kafka: KafkaSettings, names: list[str]) -> list[TopicPartition]:
    """Every partition of these topics; RebuildError naming a topic that does not exist."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap, client_id=f"{kafka.client_id}-analytics-rebuild"
    )
    await admin.start()
    try:
        found: list[TopicPartition] = []
        for description in await admin.describe_topics(names):
            if description["error_code"] != 0:
                raise RebuildError(f"topic {description['topic']} cannot be read")
            found += [
                TopicPartition(description["topic"], p["partition"])
                for p in description["partitions"]
            ]
        return sorted(found)
    finally:
        await admin.close()


def _reader(kafka: KafkaSettings, what: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap,
        client_id=f"{kafka.client_id}-analytics-rebuild-{what}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )


async def _replay(
    consumer: AIOKafkaConsumer,
    aggregator: Aggregator,
    decoder: RecordDecoder,
    report: RebuildReport,
    max_records: int,
) -> None:
    """Apply every record below the end offsets of the assigned partitions."""
    tps = list(consumer.assignment())
    await consumer.seek_to_beginning(*tps)
    starts = await consumer.beginning_offsets(tps)
    ends = await consumer.end_offsets(tps)
    remaining = {tp for tp in tps if ends[tp] > starts[tp]}
    while remaining:
        batch = await consumer.getmany(*remaining, timeout_ms=500, max_records=max_records)
        envelopes: list[Envelope] = []
        for tp, records in batch.items():
            for record in records:
                if record.offset >= ends[tp]:
                    continue  # written after the rebuild started: the live consumer's part
                report.records[tp.topic] = report.records.get(tp.topic, 0) + 1
                try:
                    envelopes.append(decoder.decode(record))
                except CodecError as exc:
                    report.undecodable += 1
                    log.warning(
                        "record_skipped", topic=tp.topic, offset=record.offset, error=str(exc)
                    )
        if envelopes:
            report.add(await aggregator.apply(envelopes))
        for tp in list(remaining):
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)


async def rebuild(
    *,
    kafka: KafkaSettings,
    mongo: MongoSettings,
    database: str,
    drop: bool = False,
    max_records: int = 5000,
) -> RebuildReport:
    """Recompute every aggregate from the topics into `database` (empty, or dropped first)."""
    client = connect(mongo)
    try:
        store = Store(client[database])
        if not await store.is_empty():
            if not drop:
                raise RebuildError(
                    f"database {database} already holds analytics aggregates; "
                    "choose a fresh database or pass --drop"
                )
            await store.drop()
        await store.ensure_indexes()
        codec = AvroCodec.static()
        catalog = JourneyCatalog()
        report = RebuildReport(database=database)
        await _load_catalog(kafka, store, catalog, codec)
        report.journey_versions = len(catalog.versions)
        # No positions to load: the database is empty and the topics hold every instance's
        # first transition, read in offset order.
        aggregator = Aggregator(store, catalog)
        tps = await _partitions(kafka, [topic_name(t, kafka.topic_prefix) for t in TOPIC_MODELS])
        consumer = _reader(kafka, "topics")
        await consumer.start()
        try:
            consumer.assign(tps)
            await _replay(consumer, aggregator, RecordDecoder(codec), report, max_records)
        finally:
            await consumer.stop()
        log.info("rebuild_done", database=database, records=report.records, new=report.new)
        return report
    finally:
        await client.close()
