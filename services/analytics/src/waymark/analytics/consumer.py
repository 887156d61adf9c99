"""The live consumer: transitions, outcomes and events in one group, applied batch by batch.

A batch is decoded (undecodable records go to their DLQ), applied to the aggregates (retried
until it succeeds or the service stops) and only then committed. The three topics share one
partition count and key, so the range assignor gives one member every record of a customer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord
from pymongo.errors import PyMongoError

from waymark.analytics.aggregator import Aggregator, Envelope
from waymark.core.adapters.kafka.dlq import DeadLetterWriter
from waymark.core.contracts import (
    AvroCodec,
    CodecError,
    CustomerEvent,
    DispatchOutcome,
    JourneyTransition,
    WireModel,
)
from waymark.core.contracts import topics as names
from waymark.core.contracts.topics import logical_topic
from waymark.core.observability.metrics import CONSUMER_LAG, INPUTS

__all__ = ["SERVICE", "TOPIC_MODELS", "LiveConsumer", "RecordDecoder"]

log = structlog.get_logger(__name__)

SERVICE = "analytics"
TOPIC_MODELS: Mapping[str, type[WireModel]] = {
    names.TRANSITIONS: JourneyTransition,
    names.OUTCOMES: DispatchOutcome,
    names.EVENTS: CustomerEvent,
}
"""The logical topics analytics aggregates and the one record each holds."""


class RecordDecoder:
    """Decodes a consumed record into an Envelope; CodecError when it holds no valid record."""

    def __init__(self, codec: AvroCodec) -> None:
        self._codec = codec

    def decode(self, record: ConsumerRecord[bytes, bytes]) -> Envelope:
        """The envelope of a record of one of TOPIC_MODELS' topics (under any prefix)."""
        topic = logical_topic(record.topic)
        model = TOPIC_MODELS.get(topic) if topic is not None else None
        if model is None:
            raise CodecError(f"analytics does not read topic {record.topic}")
        decoded = self._codec.decode_as(record.value, model)
        if not isinstance(decoded, JourneyTransition | DispatchOutcome | CustomerEvent):
            raise CodecError(f"unexpected record {type(decoded).__name__}")
        return Envelope(record.partition, record.offset, decoded)


class LiveConsumer:
    """Consumes in a group until stopped, committing only applied batches."""

    def __init__(
        self,
        *,
        consumer: AIOKafkaConsumer,
        decoder: RecordDecoder,
        aggregator: Aggregator,
        dead_letters: DeadLetterWriter,
        max_records: int = 2000,
        poll_timeout_ms: int = 500,
        retry_seconds: float = 2.0,
        linger_seconds: float = 0.0,
    ) -> None:
        self._consumer = consumer
        self._decoder = decoder
        self._aggregator = aggregator
        self._dead_letters = dead_letters
        self._max_records = max_records
        self._poll_timeout_ms = poll_timeout_ms
        self._retry = retry_seconds
        self._linger = linger_seconds
        self.consuming = False
        """True once the group is joined and until the loop ends."""
        self.failing: str | None = None
        """The last error applying a batch, while it is being retried."""
        self._committed: dict[TopicPartition, int] = {}
        self._assignment: frozenset[TopicPartition] = frozenset()
        """The partitions as last seen after a poll."""
        self._positions_stale = True
        """Whether instance positions must be loaded before the next batch is applied."""

    async def run(self, stopping: asyncio.Event) -> None:
        """Poll, apply, commit until `stopping` is set (the consumer is started by the owner)."""
        self.consuming = True
        try:
            while not stopping.is_set():
                batch = await self._consumer.getmany(
                    timeout_ms=self._poll_timeout_ms, max_records=self._max_records
                )
                self._watch_assignment()
                if batch:
                    await self._handle(await self._gather(batch), stopping)
                else:
                    await self._commit_past_markers()
                await self._report_lag()
        finally:
            self.consuming = False

    async def _gather(
        self, batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]:
        """Add what arrives within the linger to a batch, up to `max_records` in all.

        Each batch ends in a write per collection, and FerretDB makes every write command a
        synced SQLite transaction: at a thousand records a second, applying every poll's
        records kept it busy. Records wait at most the linger longer to be counted.
        """
        total = sum(len(records) for records in batch.values())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._linger
        while total < self._max_records:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            more = await self._consumer.getmany(
                timeout_ms=max(1, int(remaining * 1000)), max_records=self._max_records - total
            )
            self._watch_assignment()
            for tp, records in more.items():
                batch.setdefault(tp, []).extend(records)
                total += len(records)
        return batch

    async def _handle(
        self,
        batch: Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]],
        stopping: asyncio.Event,
    ) -> None:
        envelopes: list[Envelope] = []
        offsets: dict[TopicPartition, int] = {}
        decoded: dict[str, int] = {}
        refused: list[tuple[ConsumerRecord[bytes, bytes], CodecError]] = []
        for tp, records in batch.items():
            for record in records:
                try:
                    envelopes.append(self._decoder.decode(record))
                except CodecError as error:
                    refused.append((record, error))
                else:
                    decoded[tp.topic] = decoded.get(tp.topic, 0) + 1
            if records:
                offsets[tp] = records[-1].offset + 1
        if refused and not await self._retrying(
            "dead_letter", partial(self._dead_letter_all, refused), stopping
        ):
            return
        if not await self._retrying("apply", partial(self._apply, envelopes), stopping):
            return  # stopping before the batch was applied: it is re-delivered on restart
        # Committed only now: every record up to these offsets is in the aggregates or the DLQ.
        try:
            await self._consumer.commit(offsets)
        except KafkaError as exc:
            # A rebalance took the partitions: their new owner re-applies, and counts once.
            # They may come back after it moved their instances: load positions again.
            self._positions_stale = True
            log.warning("commit_failed", error=str(exc))
        else:
            self._committed.update(offsets)
        for topic, count in decoded.items():
            INPUTS.labels(SERVICE, topic, "ok").inc(count)

    async def _retrying(
        self, what: str, step: Callable[[], Awaitable[None]], stopping: asyncio.Event
    ) -> bool:
        """Run `step` until it succeeds (True) or the service stops (False)."""
        while True:
            try:
                await step()
            except (PyMongoError, KafkaError) as exc:
                self.failing = f"{what}: {exc}"
                log.warning("batch_step_failed", step=what, error=str(exc))
                if stopping.is_set():
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), timeout=self._retry)
                continue
            self.failing = None
            return True

    async def _apply(self, envelopes: list[Envelope]) -> None:
        await self._load_positions()
        result = await self._aggregator.apply(envelopes)
        if result.duplicates:
            log.info("duplicates_ignored", count=result.duplicates)

    def _watch_assignment(self) -> None:
        """Note, after every poll, whether partitions came since the last look: another member
        may have moved their instances. Looking after every poll, not only before a batch,
        catches partitions lent to another member and given back between two batches."""
        assignment = frozenset(self._consumer.assignment())
        if assignment - self._assignment:
            self._positions_stale = True
        self._assignment = assignment

    async def _load_positions(self) -> None:
        """Load instance positions from the facts before the first batch and after partitions
        came: a transition's move starts where the previous transition of its instance ended,
        and another member may have applied that one."""
        self._watch_assignment()
        if not self._positions_stale:
            return
        await self._aggregator.load_positions()
        # A change during the load is seen after the next poll, and loads again.
        self._positions_stale = False
        log.info("instance_positions_loaded", active=len(self._aggregator.positions))

    async def _dead_letter_all(
        self, refused: list[tuple[ConsumerRecord[bytes, bytes], CodecError]]
    ) -> None:
        # Sent together and acknowledged together: a round trip per batch, not per record,
        # so a flood of bad records does not stall the consumer. A retry after a partial
        # failure writes some copies twice; a DLQ tolerates a repeat, not a loss.
        await asyncio.gather(*(self._dead_letter(record, exc) for record, exc in refused))

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], exc: CodecError) -> None:
        log.error(
            "record_to_dlq",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=exc.reason,
        )
        await self._dead_letters.write(record, "undecodable", exc.reason)
        INPUTS.labels(SERVICE, record.topic, "dlq").inc()

    async def _commit_past_markers(self) -> None:
        """Commit positions that moved past records no batch returned: the commit and abort
        markers of transactional producers (channel-dispatch's outcomes) and aborted records.
        Called only after a poll returned nothing, so every record before them is applied;
        without it the group's committed offset stays one short of the end of a partition
        whose last batch is a marker, and group lag never reads zero."""
        moved: dict[TopicPartition, int] = {}
        try:
            for tp in self._consumer.assignment():
                committed = self._committed.get(tp)
                if committed is None:
                    found = await self._consumer.committed(tp)
                    committed = self._committed[tp] = found if found is not None else -1
                position = await self._consumer.position(tp)
                if position > committed >= 0:
                    moved[tp] = position
            if moved:
                await self._consumer.commit(moved)
        except KafkaError as exc:
            log.warning("commit_failed", error=str(exc))
            return
        self._committed.update(moved)

    async def _report_lag(self) -> None:
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            position = await self._consumer.position(tp)
            CONSUMER_LAG.labels(SERVICE, tp.topic, str(tp.partition)).set(
                max(0, highwater - position)
            )
