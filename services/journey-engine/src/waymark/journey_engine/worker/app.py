"""The engine worker: one consumer-group member that runs decide() over every customer input.

Inputs (events, outcomes, ticks) are co-partitioned by customer id, and the group's range
assignment gives one worker the same partition of every input topic, so one worker owns all
of a customer's inputs and the customer's state. Per batch of records the worker decides
each one against the state (the batch's earlier decisions included), then produces in one
go the commands, transitions, dead letters and the new states to the compacted changelog,
waits for every acknowledgement, writes the states to its local store and only then commits
the input offsets. A crash at any point replays inputs whose effects may already be on the
broker: decide() dedupes inputs it has seen and a replay decides the same, with the same
command ids (at least once, never a new id).

When partitions are assigned, the worker reads their changelog from the offset its local
store already holds to the end before it takes any input, and rebuilds the timer heap of the
customers it now owns. Timers, schedules and catalog changes never write state: they produce
ticks to the customer's input partition, decided like any other input (see `ticks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from itertools import islice
from typing import Any, NamedTuple

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import IllegalStateError, KafkaError

from waymark.core.adapters.kafka.clients import durable_producer, manual_commit_consumer
from waymark.core.adapters.kafka.dlq import DeadLetter, DeadLetterWriter, dlq_topic
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.adapters.readiness import OK, DependencyChecks, Readiness, kafka_metadata
from waymark.core.contracts import AvroCodec, CodecError
from waymark.core.engine import Catalog, CustomerState, Decision, decide, from_bytes, to_bytes
from waymark.core.observability import metrics
from waymark.core.settings import KafkaSettings
from waymark.journey_engine.worker.catalog_feed import CatalogFeed
from waymark.journey_engine.worker.changelog import changelog_topic, ensure_changelog, restore
from waymark.journey_engine.worker.packing import Out, PackedSender
from waymark.journey_engine.worker.settings import WorkerSettings
from waymark.journey_engine.worker.store import StateStore, open_store
from waymark.journey_engine.worker.ticks import SelfTicks
from waymark.journey_engine.worker.web import start_web
from waymark.journey_engine.worker.wire import InputDecoder, OutputEncoder, utc_now

__all__ = ["EngineWorker"]

log = structlog.get_logger(__name__)

_INPUTS = (Topic.EVENTS, Topic.OUTCOMES, Topic.TICKS)
_START_RETRY_S = (0.5, 5.0)
"""First and longest pause between attempts of a start-up step while the broker is away."""


class _Batch:
    """What the decisions of one batch of inputs produce, before anything is acknowledged."""

    __slots__ = ("commands", "inputs", "live", "outputs", "partitions", "states", "timers")

    def __init__(self) -> None:
        self.states: dict[bytes, CustomerState] = {}
        self.partitions: dict[bytes, int] = {}
        self.outputs: list[Out] = []
        self.timers: list[Decision] = []
        # Counted here and added to the metrics once per batch: a counter's lock per input
        # is a measurable share of the worker's CPU.
        self.inputs: Counter[str] = Counter()
        self.commands: Counter[str] = Counter()
        self.live = 0


class _InFlight(NamedTuple):
    """A decided batch whose records are being produced, not yet stored or committed."""

    batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    work: _Batch
    encoded: dict[bytes, bytes]
    sent: asyncio.Task[dict[tuple[str, int], int]]


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: EngineWorker) -> None:
        self._worker = worker

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self._worker.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self._worker.on_assigned(set(assigned))


class EngineWorker:
    """The consume → decide → produce → commit loop, its timers, catalog feed and web pages."""

    def __init__(self, settings: WorkerSettings, kafka: KafkaSettings) -> None:
        self.settings = settings
        self.kafka = kafka
        self.codec = AvroCodec.static()
        self.decoder = InputDecoder(self.codec)
        self.encoder = OutputEncoder(
            self.codec,
            marketing_expiry=timedelta(hours=settings.marketing_expiry_hours),
            transactional_expiry=timedelta(hours=settings.transactional_expiry_hours),
        )
        self.catalog = Catalog()
        self.changelog = changelog_topic(settings.app_id)
        self.store: StateStore = open_store(settings.store, settings.data_dir, "customers")
        self._cache: dict[bytes, CustomerState] = {}
        """Decoded states of recently decided customers, exactly as stored."""
        self.owned: frozenset[int] = frozenset()
        """Partition numbers of the inputs (and changelog) this worker owns now."""
        self._inputs = [self._name(t) for t in _INPUTS]
        self._lock = asyncio.Lock()
        self._assigned_once = False
        self._rebalancing = False
        self._committed: dict[TopicPartition, int] = {}
        self._packed: PackedSender | None = None
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        # Asked through the worker's own producer; before it has reached a broker, the probe
        # asks the bootstrap servers itself.
        self.checks = DependencyChecks(
            {
                "kafka": kafka_metadata(
                    lambda: self._producer.client if self._producer is not None else None,
                    kafka.bootstrap,
                )
            }
        )
        self._stop = asyncio.Event()
        self._inflight: _InFlight | None = None
        self._input_counters: dict[tuple[str, str], Any] = {}
        self._command_counters: dict[str, Any] = {}
        # Logical → physical names of the topics decisions write to.
        self._physical = {str(t): self._name(t) for t in Topic}
        self._transitions_topic = self._name(Topic.TRANSITIONS)
        self.ticks = SelfTicks(
            catalog=self.catalog,
            store=self.store,
            encoder=self.encoder,
            name=self._name,
            partitions=kafka.partitions,
            owned=lambda: self.owned,
            sender=self._sender,
            may_fire=lambda: (
                not self._rebalancing and self._assigned_once and self.feed.ready.is_set()
            ),
        )
        self.timers = self.ticks.timers
        self.feed = CatalogFeed(
            self.catalog,
            lambda: AIOKafkaConsumer(
                bootstrap_servers=kafka.bootstrap, enable_auto_commit=False, group_id=None
            ),
            self._name(Topic.JOURNEYS),
            self.codec,
            self.ticks.fan_out,
        )

    def _name(self, topic: Topic | str) -> str:
        return topic_name(topic, self.kafka.topic_prefix)

    def _sender(self) -> PackedSender:
        assert self._packed is not None, "run() starts the producer"
        return self._packed

    # -- life cycle ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to finish its batch, commit and leave the group."""
        self._stop.set()

    async def run(self) -> None:
        """Serve health pages, follow the catalog, then decide inputs until stop()."""
        runner = await start_web(self.settings.web_host, self.settings.web_port, self.ready)
        producer = durable_producer(self.kafka, linger_ms=2, max_batch_size=262144)
        self._producer = producer
        self._packed = PackedSender(producer)
        tasks: list[asyncio.Task[None]] = []
        try:
            # A worker started while the broker is away waits, not ready, instead of exiting.
            steps: list[tuple[str, Callable[[], Awaitable[object]]]] = [
                ("Kafka producer", producer.start),
                ("changelog topic", lambda: ensure_changelog(self.kafka, self.changelog)),
                # A topic created a moment ago: wait until the producer knows its partitions.
                ("changelog metadata", lambda: producer.partitions_for(self.changelog)),
            ]
            for what, step in steps:
                if not await self._until_done(what, step):
                    return
            tasks = [
                asyncio.create_task(
                    self.feed.follow(DeadLetterWriter(producer), self._stop), name="catalog-feed"
                ),
                asyncio.create_task(
                    self.ticks.fire_timers(self.settings.timer_interval), name="timers"
                ),
                asyncio.create_task(self._report_lag(), name="lag"),
            ]
            stopped = asyncio.create_task(self._stop.wait())
            await asyncio.wait(
                [stopped, asyncio.create_task(self.feed.ready.wait())],
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not self._stop.is_set():
                await self._consume()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._consumer is not None:
                await self._consumer.stop()
            await producer.stop()
            await runner.cleanup()
            self.store.close()
            log.info("worker stopped")

    async def _until_done(self, what: str, step: Callable[[], Awaitable[object]]) -> bool:
        """Run a start-up step until it succeeds; False when stop() comes first."""
        pause = _START_RETRY_S[0]
        while not self._stop.is_set():
            try:
                await step()
                return True
            except (KafkaError, OSError) as exc:
                log.warning("start step failed; retrying", step=what, error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=pause)
            pause = min(pause * 2, _START_RETRY_S[1])
        return False

    async def _consume(self) -> None:
        session_ms = int(self.settings.session_timeout * 1000)
        consumer = manual_commit_consumer(
            self.kafka,
            group_id=self.settings.app_id,
            partition_assignment_strategy=(RangePartitionAssignor,),
            max_poll_records=self.settings.batch_size,
            session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(1000, session_ms // 5),
            rebalance_timeout_ms=session_ms * 2,
        )
        self._consumer = consumer
        await consumer.start()
        consumer.subscribe(topics=self._inputs, listener=_Rebalance(self))
        while not self._stop.is_set():
            try:
                # With a batch in flight, settle it as soon as nothing new has come.
                wait_ms = 0 if self._inflight is not None else 200
                batch = await consumer.getmany(
                    timeout_ms=wait_ms, max_records=self.settings.batch_size
                )
            except KafkaError as exc:  # the broker is away: the consumer reconnects by itself
                log.warning("fetch failed; retrying", error=repr(exc))
                await asyncio.sleep(1.0)
                continue
            async with self._lock:
                await self._step(consumer, batch)
        async with self._lock:
            await self._settle(consumer)

    # -- deciding a batch -----------------------------------------------------------------------

    async def _step(
        self,
        consumer: AIOKafkaConsumer,
        batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
    ) -> None:
        """Decide a batch while the one before is acknowledged, settle that one, send this one.

        A batch's records are produced only after the batch before it is acknowledged, stored
        and committed: if that one fails, this one (decided on top of it) is dropped unsent and
        both are decided again from their first offsets.
        """
        # Records fetched before a rebalance took their partition away are left to the owner.
        assignment = consumer.assignment()
        batch = {tp: records for tp, records in batch.items() if tp in assignment and records}
        if not batch:
            await self._settle(consumer)
            return
        work = _Batch()
        inflight = self._inflight
        earlier = inflight.work.states if inflight is not None else {}
        decided = 0
        for records in batch.values():
            for record in records:
                self._decide_record(record, work, earlier)
                decided += 1
                if decided % 200 == 0:
                    await asyncio.sleep(0)  # lets the batch in flight reach the broker
        self._count(work)
        encoded = {key: to_bytes(state) for key, state in work.states.items()}
        for key, value in encoded.items():
            work.outputs.append(Out(self.changelog, work.partitions[key], key, value))
        rewound = await self._settle(consumer)
        if rewound is not None:
            for tp, records in batch.items():
                if tp not in rewound:
                    _rewind(consumer, tp, records[0].offset)
            return
        sent = asyncio.create_task(self._sender().send_all(work.outputs))
        self._inflight = _InFlight(batch, work, encoded, sent)

    async def _settle(self, consumer: AIOKafkaConsumer) -> set[TopicPartition] | None:
        """Finish the batch in flight: acknowledgements, local store, timers, then the commit.

        Returns None when it is done (or there was none), else the partitions rewound to the
        batch's first offsets because its records could not all be written; nothing of it is
        stored or committed, and the same records are decided again.
        """
        inflight = self._inflight
        if inflight is None:
            return None
        self._inflight = None
        batch, work = inflight.batch, inflight.work
        try:
            last = await inflight.sent
        except Exception as exc:
            log.warning("batch not written; deciding it again", error=repr(exc))
            for tp, records in batch.items():
                _rewind(consumer, tp, records[0].offset)
            await asyncio.sleep(1.0)
            return set(batch)
        self.store.write(
            inflight.encoded,
            {p: offset for (topic, p), offset in last.items() if topic == self.changelog},
        )
        self._remember(work.states)
        for decision in work.timers:
            self.timers.apply(decision.timers, decision.state)
        if work.timers:
            metrics.ENGINE_TIMERS_PENDING.set(len(self.timers))
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        try:
            await consumer.commit(offsets)
        except KafkaError as exc:  # a rebalance took the partitions; their owner replays
            log.warning("commit refused", error=repr(exc))
            return None
        self._committed.update(offsets)
        return None

    def _decide_record(
        self,
        record: ConsumerRecord[bytes, bytes],
        work: _Batch,
        earlier: dict[bytes, CustomerState],
    ) -> None:
        """Decide one record against the newest state: this batch's, the batch in flight's,
        the cache's or the store's."""
        try:
            item = self.decoder.decode(record.topic, record.value)
        except CodecError as exc:
            work.outputs.append(self._dead_letter(record, "codec", exc.reason))
            return
        key = record.key
        if key is None or key.decode(errors="replace") != item.customer_id:
            work.outputs.append(
                self._dead_letter(record, "key", "the record key is not the customer id")
            )
            return
        state = work.states.get(key) or earlier.get(key) or self._cache.get(key)
        if state is None:
            raw = self.store.get(key)
            state = from_bytes(raw) if raw else CustomerState.new(item.customer_id)
        started = time.perf_counter()
        try:
            decision = decide(state, item, self.catalog, utc_now())
        except Exception as exc:  # a defect must not stop every other customer
            log.exception("decide failed", topic=record.topic, input_id=item.input_id)
            work.outputs.append(self._dead_letter(record, "engine", repr(exc)))
            return
        metrics.ENGINE_DECISION_SECONDS.observe(time.perf_counter() - started)
        work.inputs[type(item).__name__] += 1
        if decision.state is not state:
            work.states[key] = decision.state
            work.partitions[key] = record.partition
        name = self._physical
        for command in decision.commands:
            out = self.encoder.command(command, item)
            work.outputs.append(Out(name[out.topic], None, out.key, out.value))
            work.commands[command.category] += 1
        if decision.transitions:
            topic = self._transitions_topic
            for key, value in self.encoder.transitions(decision.transitions, item.input_id):
                work.outputs.append(Out(topic, None, key, value))
        work.live += len(decision.state.instances) - len(state.instances)
        if decision.timers:
            work.timers.append(decision)

    def _remember(self, states: dict[bytes, CustomerState]) -> None:
        """Keep the batch's states decoded; the oldest half goes when the cache is full."""
        cache = self._cache
        cache.update(states)
        limit = self.settings.state_cache
        if len(cache) > limit:
            for key in list(islice(cache, len(cache) - limit // 2)):
                del cache[key]

    def _count(self, work: _Batch) -> None:
        """Add a batch's inputs, commands and live instances to the metrics."""
        for kind, count in work.inputs.items():
            self._count_input(kind.lower(), "ok", count)
        for lane, count in work.commands.items():
            self._count_command(lane, count)
        if work.live:
            metrics.ENGINE_LIVE_INSTANCES.inc(work.live)

    def _count_command(self, lane: str, count: int = 1) -> None:
        counter = self._command_counters.get(lane)
        if counter is None:
            counter = self._command_counters[lane] = metrics.ENGINE_COMMANDS.labels(lane=lane)
        counter.inc(count)

    def _count_input(self, kind: str, result: str, count: int = 1) -> None:
        counter = self._input_counters.get((kind, result))
        if counter is None:
            counter = metrics.ENGINE_INPUTS.labels(type=kind, result=result)
            self._input_counters[(kind, result)] = counter
        counter.inc(count)

    def _dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str, error: str) -> Out:
        letter = DeadLetter(
            record.topic, record.partition, record.offset, record.key, record.value, reason, error
        )
        metrics.DLQ_RECORDS.labels(topic=record.topic, reason=reason).inc()
        self._count_input("unknown", reason)
        log.warning("input to DLQ", topic=record.topic, offset=record.offset, reason=reason)
        return Out(
            dlq_topic(record.topic),
            record.partition,
            record.key,
            record.value,
            tuple(letter.headers()),
        )

    # -- rebalances: restore what is assigned, forget what is revoked -----------------------------

    async def on_revoked(self, revoked: set[TopicPartition]) -> None:
        """Wait for the batch in progress (it commits), then stop firing timers until assigned."""
        async with self._lock:
            if self._consumer is not None:
                await self._settle(self._consumer)
            self._rebalancing = True
            log.info("partitions revoked", partitions=len(revoked))

    async def on_assigned(self, assigned: set[TopicPartition]) -> None:
        """Read the new partitions' changelog to its end, then rebuild the owned timers."""
        async with self._lock:
            owned = frozenset(tp.partition for tp in assigned if tp.topic in self._inputs)
            # Another worker may have changed these customers meanwhile: the store decides.
            self._cache.clear()
            started = time.perf_counter()
            while True:
                try:
                    # Every owned partition: another member may have held one meanwhile
                    # (after a missed session, say); reading to the end costs little.
                    restored = await restore(self.kafka, self.changelog, self.store, owned)
                    break
                except KafkaError as exc:  # nothing of the partitions is taken before this
                    log.warning("changelog restore failed; retrying", error=repr(exc))
                    await asyncio.sleep(1.0)
            self.owned = owned
            self.ticks.rebuild_timers()
            self._rebalancing = False
            self._assigned_once = True
            log.info(
                "partitions assigned",
                partitions=sorted(owned),
                restored=restored,
                seconds=round(time.perf_counter() - started, 3),
            )

    async def _report_lag(self) -> None:
        while True:
            await asyncio.sleep(5)
            consumer = self._consumer
            if consumer is None:
                continue
            for tp in consumer.assignment():
                high = consumer.highwater(tp)
                committed = self._committed.get(tp)
                if high is not None and committed is not None:
                    metrics.CONSUMER_LAG.labels(
                        service="engine", topic=tp.topic, partition=str(tp.partition)
                    ).set(max(0, high - committed))

    # -- health ----------------------------------------------------------------------------

    async def ready(self) -> Readiness:
        """Whether the worker takes inputs: Kafka answers (probed, briefly cached), the catalog
        is loaded, the partitions are assigned and restored; each check `ok` or why not."""
        verdict = await self.checks.check()
        if self._rebalancing:
            partitions = "rebalancing"
        elif not self._assigned_once:
            partitions = "not assigned yet"
        else:
            partitions = OK
        if self.feed.failing is not None:
            catalog = f"feed starting again after: {self.feed.failing}"
        else:
            catalog = OK if self.feed.ready.is_set() else "loading"
        return verdict.with_checks({"catalog": catalog, "partitions": partitions})


def _rewind(consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
    try:
        consumer.seek(tp, offset)
    except IllegalStateError:  # no longer assigned: its new owner starts from the commit
        log.info("partition gone before its rewind", topic=tp.topic, partition=tp.partition)
