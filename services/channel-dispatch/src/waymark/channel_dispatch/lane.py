"""A lane: one topic, its own consumer group, bound and producer, so lanes never wait on each other.

Records are fetched while earlier ones are still being sent, up to `max_in_flight`. A record
is finished when its result is in the ledger; finished runs at the head of each partition are
committed in one Kafka transaction together with their outcomes, so an outcome is visible
(to read_committed consumers) exactly when its record's offset is committed. A crash before
the commit makes the record come back, and the ledger turns it into the same outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError, ProducerFenced
from aiokafka.structs import ConsumerRecord

from waymark.channel_dispatch.dispatcher import Dispatcher, Work
from waymark.channel_dispatch.model import Lane as LaneName
from waymark.channel_dispatch.model import Position
from waymark.channel_dispatch.offsets import PartitionProgress, Ready
from waymark.channel_dispatch.pressure import DelayMeter
from waymark.core.adapters.kafka.dlq import DeadLetterWriter
from waymark.core.contracts import AvroCodec, CodecError, DispatchOutcome, SendCommand
from waymark.core.observability.metrics import (
    CONSUMER_LAG,
    DISPATCH_COMMAND_SECONDS,
    DISPATCH_IN_FLIGHT,
    DISPATCH_OUTCOMES,
    DISPATCH_UNCOMMITTED,
    INPUTS,
)

__all__ = ["Lane"]

log = structlog.get_logger(__name__)
_SERVICE = "channel-dispatch"
_COMMIT_RETRY_S = (0.2, 5.0)
"""First and longest pause before a commit is tried again after a retriable Kafka error."""
_Refused = tuple[TopicPartition, ConsumerRecord[bytes, bytes], str]
"""A record that is no SendCommand: its partition, the record and why."""


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Finish and commit a lane's records of partitions before they move to another member."""

    def __init__(self, lane: Lane) -> None:
        """Act for `lane`."""
        self._lane = lane

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """Drain the revoked partitions: no record is processed by two members at once."""
        await self._lane.drain(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Note the assignment."""
        log.info("partitions_assigned", lane=self._lane.name, partitions=len(assigned))


class Lane:
    """Consumes one command topic and sends its commands within its own bounds."""

    def __init__(
        self,
        *,
        name: LaneName,
        topic: str,
        outcomes_topic: str,
        group_id: str,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        dead_letters: DeadLetterWriter,
        codec: AvroCodec,
        dispatcher: Dispatcher,
        max_in_flight: int,
        commit_interval_s: float,
        grace_s: float = 25.0,
        meter: DelayMeter | None = None,
        new_producer: Callable[[], AIOKafkaProducer] | None = None,
    ) -> None:
        """`producer` is transactional and this lane's alone; `meter` measures the delay of
        its sends (the transactional lane's, which marketing yields to); `new_producer` makes
        another like `producer`, to replace it when it fails."""
        self.name = name
        self._topic = topic
        self._outcomes_topic = outcomes_topic
        self._group_id = group_id
        self._consumer = consumer
        self._producer = producer
        self._dead_letters = dead_letters
        self._codec = codec
        self._dispatcher = dispatcher
        self._max_in_flight = max_in_flight
        self._commit_interval_s = commit_interval_s
        self._grace_s = grace_s
        self._meter = meter
        self._new_producer = new_producer
        self._progress: dict[TopicPartition, PartitionProgress] = {}
        self._in_flight = 0
        self._slot_freed = asyncio.Event()
        self._finished = asyncio.Event()
        self._commit_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None
        self.ready = False
        self._latency = DISPATCH_COMMAND_SECONDS.labels(lane=name)
        self._decoded = INPUTS.labels(service=_SERVICE, topic=topic, result="ok")
        self._in_flight_gauge = DISPATCH_IN_FLIGHT.labels(lane=name)

    async def run(self, stopping: asyncio.Event) -> None:
        """Consume until `stopping` is set, then finish what was fetched and commit it."""
        self._consumer.subscribe([self._topic], listener=_Rebalance(self))
        committer = asyncio.create_task(self._commit_loop(stopping))
        self.ready = True
        try:
            while not stopping.is_set() and self._failure is None:
                free = self._max_in_flight - self._in_flight
                if free <= 0:
                    self._slot_freed.clear()
                    await _either(self._slot_freed, stopping)
                    continue
                batch = await self._consumer.getmany(timeout_ms=200, max_records=free)
                works: list[Work] = []
                refused: list[_Refused] = []
                assigned = self._consumer.assignment()
                for tp, records in batch.items():
                    if tp not in assigned:
                        # Revoked while the fetch returned: the new owner reads them again.
                        continue
                    progress = self._progress.setdefault(tp, PartitionProgress())
                    for record in records:
                        progress.add(record.offset)
                        work = self._decode(tp, record, refused)
                        if work is not None:
                            works.append(work)
                if refused:
                    await self._dead_letter(refused)
                if works:
                    self._start(works)
        finally:
            self.ready = False
            await self._settle()
            # One lane failing stops the service: the other lane shuts down cleanly too.
            stopping.set()
            await committer
            await self._commit()
        if self._failure is not None:
            raise self._failure

    def _decode(
        self, tp: TopicPartition, record: ConsumerRecord[bytes, bytes], refused: list[_Refused]
    ) -> Work | None:
        """The work of a record, or None with the record added to `refused`."""
        try:
            command = self._codec.decode_as(record.value, SendCommand)
            if not isinstance(command.recipient, dict) or not isinstance(command.entry, dict):
                raise CodecError("recipient and entry must be JSON objects")
            if command.event is not None and not isinstance(command.event, dict):
                raise CodecError("event must be a JSON object or null")
        except (CodecError, KeyError, TypeError, ValueError) as exc:
            log.warning("record_refused", lane=self.name, offset=record.offset, error=str(exc))
            refused.append((tp, record, str(exc)))
            return None
        self._decoded.inc()
        return Work(command, Position(tp.topic, tp.partition, record.offset), self.name)

    async def _dead_letter(self, refused: list[_Refused]) -> None:
        """Copy a fetch's refused records to the DLQ, together: one round trip, not one each."""
        # Idempotency guard. The offsets commit only after the DLQ acknowledged the copies,
        # so a crash in between writes them again (a DLQ tolerates a repeat; a loss, no).
        writes = [self._dead_letters.write(rec, "undecodable", why) for _, rec, why in refused]
        await asyncio.gather(*writes)
        for tp, record, _ in refused:
            INPUTS.labels(service=_SERVICE, topic=self._topic, result="dlq").inc()
            self._progress[tp].finish(record.offset, None)
        self._finished.set()

    def _start(self, works: list[Work]) -> None:
        if self._meter is not None:
            for work in works:
                self._meter.started(work.command.command_id, work.command.created_at.timestamp())
        self._in_flight += len(works)
        self._in_flight_gauge.set(self._in_flight)
        task = asyncio.create_task(self._process(works))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, works: list[Work]) -> None:
        try:
            await asyncio.gather(*(self._finish(work) for work in works))
        except BaseException as exc:
            self._fail(exc)

    async def _finish(self, work: Work) -> None:
        outcome = await self._dispatcher.finish(work)
        seconds = None
        if outcome is not None:
            seconds = (outcome.at - work.command.created_at).total_seconds()
            self._latency.observe(max(seconds, 0.0))
        if self._meter is not None:
            self._meter.finished(work.command.command_id, seconds)
        tp = TopicPartition(work.position.topic, work.position.partition)
        self._progress[tp].finish(work.position.offset, outcome)
        self._in_flight -= 1
        self._in_flight_gauge.set(self._in_flight)
        self._slot_freed.set()
        self._finished.set()

    def _fail(self, exc: BaseException) -> None:
        if isinstance(exc, asyncio.CancelledError):
            return
        # A result that cannot be recorded must not be reported: stop, and let the restart's
        # ledger check decide (resend with the key, or failed: unknown).
        log.error("lane_failed", lane=self.name, error=repr(exc))
        if self._failure is None:
            self._failure = exc
        self._slot_freed.set()

    async def _settle(self) -> None:
        """Let fetched records finish; after the grace period, leave the rest to the ledger."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(list(self._tasks), timeout=self._grace_s)
        for task in late:
            task.cancel()
        if late:
            log.warning("shutdown_cancelled_sends", lane=self.name, batches=len(late))
            await asyncio.gather(*late, return_exceptions=True)

    async def drain(self, partitions: set[TopicPartition]) -> None:
        """Partitions are taken away: finish their records, commit, and forget them."""
        while (
            any(tp in self._progress and self._progress[tp].unfinished for tp in partitions)
            and self._failure is None
        ):
            self._finished.clear()
            await self._finished.wait()
        if self._failure is None:
            await self._commit()
        for tp in partitions:
            self._progress.pop(tp, None)

    async def _commit_loop(self, stopping: asyncio.Event) -> None:
        pause = _COMMIT_RETRY_S[0]
        while not stopping.is_set():
            await _either(self._finished, stopping)
            self._finished.clear()
            if self._commit_interval_s:
                await asyncio.sleep(self._commit_interval_s)
            try:
                await self._commit()
                pause = _COMMIT_RETRY_S[0]
            except ProducerFenced as exc:
                # Another instance with this transactional id took over: it owns the lane now.
                self._fail(exc)
                return
            except KafkaError as exc:
                # The broker is away or moving leaders: the transaction was aborted and the
                # runs are still unreleased, so the next try publishes and commits them. A
                # producer whose sender gave up (it does on some connection losses) is
                # replaced first; the new one fences it and aborts what it left open.
                log.warning("commit_retry", lane=self.name, error=repr(exc), pause_s=pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, _COMMIT_RETRY_S[1])
                if not exc.retriable and not await self._renew_producer(stopping):
                    return
                self._finished.set()
            except Exception as exc:
                self._fail(exc)
                return

    async def _renew_producer(self, stopping: asyncio.Event) -> bool:
        """Replace the transactional producer; False when the lane cannot go on."""
        if self._new_producer is None:
            self._fail(RuntimeError("the lane's Kafka producer failed and cannot be replaced"))
            return False
        async with self._commit_lock:
            old, self._producer = self._producer, self._new_producer()
            with contextlib.suppress(Exception):
                await old.stop()
            pause = _COMMIT_RETRY_S[0]
            while not stopping.is_set():
                try:
                    await self._producer.start()
                    log.warning("producer_renewed", lane=self.name)
                    return True
                except KafkaError as exc:
                    log.warning("producer_start_retry", lane=self.name, error=repr(exc))
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, _COMMIT_RETRY_S[1])
        return False

    @property
    def producer(self) -> AIOKafkaProducer:
        """The lane's transactional producer now (a failed one is replaced)."""
        return self._producer

    async def _commit(self) -> None:
        """Publish the outcomes of every finished run and commit its offsets, atomically."""
        async with self._commit_lock:
            if self._failure is not None:
                return
            runs: dict[TopicPartition, Ready] = {}
            for tp, progress in self._progress.items():
                ready = progress.ready()
                if ready is not None:
                    runs[tp] = ready
            if not runs:
                return
            outcomes = [o for run in runs.values() for o in run.outcomes]
            # Idempotency guard. Outcomes and offsets commit atomically: a crash before this
            # makes the records come back, and the ledger yields the same outcomes again.
            async with self._producer.transaction():
                sent = [await self._publish(outcome) for outcome in outcomes]
                await asyncio.gather(*sent)
                await self._producer.send_offsets_to_transaction(
                    {tp: run.commit_offset for tp, run in runs.items()}, self._group_id
                )
            for tp, run in runs.items():
                self._progress[tp].release(run.count)
                highwater = self._consumer.highwater(tp)
                if highwater is not None:
                    CONSUMER_LAG.labels(
                        service=_SERVICE, topic=tp.topic, partition=str(tp.partition)
                    ).set(max(highwater - run.commit_offset, 0))
            for outcome in outcomes:
                reason = (outcome.reason or "").split(":", 1)[0]
                DISPATCH_OUTCOMES.labels(
                    lane=self.name, channel=outcome.channel, status=outcome.status, reason=reason
                ).inc()
            DISPATCH_UNCOMMITTED.labels(lane=self.name).set(
                sum(len(p) for p in self._progress.values())
            )

    async def _publish(self, outcome: DispatchOutcome) -> asyncio.Future[object]:
        value = self._codec.encode(self._outcomes_topic, outcome.to_avro())
        future: asyncio.Future[object] = await self._producer.send(
            self._outcomes_topic, value=value, key=outcome.customer_id.encode()
        )
        return future


async def _either(event: asyncio.Event, stopping: asyncio.Event) -> None:
    """Wait until `event` or `stopping` is set."""
    waits = [asyncio.create_task(event.wait()), asyncio.create_task(stopping.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
