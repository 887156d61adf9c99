"""The catalog of published journey versions, read from the compacted `waymark.journeys.v1`.

Every worker reads the whole topic (it is small) into the engine's Catalog. Records are keyed
`journey_id/version`, so compaction keeps every version a customer may still be pinned to; the
status of a journey's highest version is the journey's status.

A record the catalog cannot take (not a JourneyVersion, or a definition that does not parse or
compile) goes to `<topic>.dlq` with its cause and the feed goes on with the next one. The topic
is read from its beginning at every start and by every worker, so the feed reads that DLQ first
(it holds only this topic's letters: a few records) and writes no second letter of a record.

`follow` keeps the feed alive: a Kafka error (the broker away while offsets are asked, say)
ends a `run`, and the next one starts where the last stopped, so a status change already
reported is not reported again and no journey published meanwhile is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from waymark.core.adapters.kafka.dlq import DeadLetterWriter
from waymark.core.adapters.readiness import cause_of
from waymark.core.contracts import AvroCodec, JourneyVersion
from waymark.core.engine import Catalog, compile_journey
from waymark.core.journeys import Journey, parse_journey

__all__ = ["CatalogFeed", "StatusChange"]

log = structlog.get_logger(__name__)

_RETRY_S = 1.0
"""Pause before a DLQ write is tried again while the broker is away."""
_RESTART_S = (0.5, 15.0)
"""First and longest pause before the feed is started again after a Kafka error."""


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
        self._dead_letters: DeadLetterWriter | None = None
        self._refused: set[tuple[int, int]] = set()
        """(partition, offset) of the records of the topic already in its DLQ."""
        self._next: dict[TopicPartition, int] = {}
        """Per partition, the offset of the next record to read: where a new run starts."""
        self.failing: str | None = None
        """The error that ended the last run, until a new run has started."""

    async def follow(self, dead_letters: DeadLetterWriter, stopping: asyncio.Event) -> None:
        """`run` until `stopping` is set, starting it again after each Kafka error."""
        pause = _RESTART_S[0]
        while not stopping.is_set():
            try:
                await self.run(dead_letters)
            except (KafkaError, OSError) as exc:
                self.failing = repr(exc)
                log.warning("catalog feed failed; starting it again", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=pause)
            pause = min(pause * 2, _RESTART_S[1])

    async def run(self, dead_letters: DeadLetterWriter) -> None:
        """Read the topic from the beginning, forever; unusable records go to `dead_letters`."""
        self._dead_letters = dead_letters
        self._consumer = self._make_consumer()
        await self._consumer.start()
        try:
            # Letters of earlier starts and of other workers: each record is dead-lettered once.
            self._refused = await dead_letters.written(self._consumer, self._topic)
            partitions = self._consumer.partitions_for_topic(self._topic) or {0}
            tps = [TopicPartition(self._topic, p) for p in sorted(partitions)]
            self._consumer.assign(tps)
            await self._consumer.seek_to_beginning(*(tp for tp in tps if tp not in self._next))
            for tp in tps:
                if tp in self._next:
                    self._consumer.seek(tp, self._next[tp])
            ends = await self._consumer.end_offsets(tps)
            self.failing = None
            while True:
                batch = await self._consumer.getmany(timeout_ms=200)
                for tp, records in batch.items():
                    for record in records:
                        await self._apply(record)
                        self._next[tp] = record.offset + 1
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

    async def _apply(self, raw: ConsumerRecord[bytes, bytes]) -> None:
        if raw.value is None:  # a tombstone: nothing to keep
            return
        try:
            record = self._codec.decode_as(raw.value, JourneyVersion)
        except Exception as exc:  # whatever the bytes are, they are no journey version
            await self._refuse(raw, "codec", exc)
            return
        try:
            journey = parse_journey(record.definition)
            # Compiled here first: the catalog takes the version in before it compiles it.
            compile_journey(journey, record.version)
        except Exception as exc:  # a definition this engine cannot run, whatever the error
            await self._refuse(raw, "definition", exc)
            return
        await self._publish(record, journey)

    async def _publish(self, record: JourneyVersion, journey: Journey) -> None:
        if record.status == "draft":
            return
        previous = self._latest.get(record.journey_id)
        if previous is not None and record.version < previous[0]:
            # An older version republished: keep its definition, not its status.
            if self.catalog.version(record.journey_id, record.version) is None:
                self.catalog.publish(journey, record.version)
            return
        self.catalog.publish(journey, record.version, record.status)
        if self.ready.is_set() and previous is not None and previous[1] != record.status:
            change = "resumed" if record.status == "active" else record.status
            # Noted as seen only once told: a run that fails here reads the record again.
            await self._on_change(StatusChange(record.journey_id, change, record.version))
        self._latest[record.journey_id] = (record.version, record.status)

    async def _refuse(self, raw: ConsumerRecord[bytes, bytes], reason: str, exc: Exception) -> None:
        """Send a record the catalog cannot take to the DLQ, unless a letter of it is there."""
        cause = cause_of(exc)
        # The first line only: a validation error goes on with the values it refused.
        log.warning(
            "unusable journey version record",
            topic=raw.topic,
            partition=raw.partition,
            offset=raw.offset,
            reason=reason,
            error=cause.splitlines()[0][:200],
        )
        assert self._dead_letters is not None, "run() is given the DLQ writer"
        # Idempotency guard. One letter per record, not one per start or per worker.
        if (raw.partition, raw.offset) in self._refused:
            log.info("already in the DLQ", offset=raw.offset, reason=reason)
            return
        while True:
            try:
                await self._dead_letters.write(raw, reason, cause)
                break
            except KafkaError as error:  # the feed waits: the next record is not read first
                log.warning("DLQ write failed; retrying", error=repr(error))
                await asyncio.sleep(_RETRY_S)
        self._refused.add((raw.partition, raw.offset))
