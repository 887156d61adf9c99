"""The engine worker: a Faust app whose one agent runs decide() over every customer input.

Inputs (events, outcomes, ticks) are co-partitioned by customer id, so one worker owns all of a
customer's inputs and the customer's state in the `customers` table. Per batch the agent
decides each record, writes the new states to the table (its changelog is the durable copy),
and produces commands and transitions; the batch's sends are acknowledged before the next batch
is taken, so an input is committed only after its effects are on the broker (at least once,
and a replay decides the same, with the same command ids).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, cast

import faust
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from faust.types import EventT

from waymark.core.adapters.kafka.clients import durable_producer
from waymark.core.adapters.kafka.dlq import dlq_topic
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import AvroCodec, CodecError, Tick
from waymark.core.engine import Catalog, CustomerState, decide, from_bytes, to_bytes
from waymark.core.observability import metrics
from waymark.core.settings import KafkaSettings
from waymark.journey_engine.worker.catalog_feed import CatalogFeed, StatusChange
from waymark.journey_engine.worker.settings import WorkerSettings
from waymark.journey_engine.worker.timers import DueTimer, TimerHeap, pending_timers
from waymark.journey_engine.worker.wire import (
    InputDecoder,
    OutputEncoder,
    Record,
    catalog_tick,
    schedule_tick,
    utc_now,
)

__all__ = ["EngineWorker"]

log = structlog.get_logger(__name__)

# The partitioner every producer of the input topics uses (murmur2 of the key, as in Java),
# so a tick lands on the partition of its customer's other inputs.
_PARTITIONER = DefaultPartitioner()


class EngineWorker:
    """Builds the Faust app, its agent, timers, catalog feed and health pages."""

    def __init__(self, settings: WorkerSettings, kafka: KafkaSettings) -> None:
        self.settings = settings
        self.kafka = kafka
        self.codec = AvroCodec.static()
        self.decoder = InputDecoder(self.codec)
        self.encoder = OutputEncoder(self.codec)
        self.catalog = Catalog()
        self.timers = TimerHeap()
        self._rebuild_timers = True
        self._schedule_marks: dict[str, datetime] = {}
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        self.app = self._build_app()
        self.feed = CatalogFeed(
            self.catalog,
            lambda: AIOKafkaConsumer(
                bootstrap_servers=kafka.bootstrap, enable_auto_commit=False, group_id=None
            ),
            self._name(Topic.JOURNEYS),
            self.codec,
            self._fan_out,
        )

    def _name(self, topic: Topic | str) -> str:
        return topic_name(topic, self.kafka.topic_prefix)

    def _build_app(self) -> faust.App:
        s, k = self.settings, self.kafka
        app = faust.App(
            s.app_id,
            broker=[f"kafka://{host}" for host in k.bootstrap.split(",")],
            store=s.store,
            datadir=str(s.data_dir),
            topic_partitions=k.partitions,
            topic_replication_factor=k.replication_factor,
            key_serializer="raw",
            value_serializer="raw",
            web_host=s.web_host,
            web_port=s.web_port,
            table_standby_replicas=s.standby_replicas,
            broker_session_timeout=s.session_timeout,
            broker_heartbeat_interval=max(1.0, s.session_timeout / 5),
            broker_rebalance_timeout=s.session_timeout * 2,
            consumer_auto_offset_reset="earliest",
            producer_acks=-1,
            stream_wait_empty=False,
        )
        inputs = app.topic(
            self._name(Topic.EVENTS),
            self._name(Topic.OUTCOMES),
            self._name(Topic.TICKS),
            key_type=bytes,
            value_type=bytes,
        )
        self.table = app.Table(
            "customers", partitions=k.partitions, key_type=bytes, value_type=bytes, default=None
        )
        app.agent(inputs, name="decide")(self._agent)
        app.task(self._run_feed)
        app.task(self._fire_timers)
        app.task(self._report_lag)
        app.on_rebalance_complete.connect(self._on_rebalance_complete)
        # Faust calls a handler that is not a View with the request only.
        for path, handler in (
            ("/healthz", self._healthz),
            ("/readyz", self._readyz),
            ("/metrics", self._metrics),
        ):
            app.page(path)(cast(Any, handler))
        return app

    # -- effects outside the agent: timers, catalog changes, schedules ----------------------

    async def producer(self) -> AIOKafkaProducer:
        """The worker's own producer for commands, transitions, ticks and DLQ records."""
        async with self._producer_lock:
            if self._producer is None:
                producer = durable_producer(self.kafka, linger_ms=2, max_batch_size=262144)
                await producer.start()
                self._producer = producer
            return self._producer

    async def _send_all(self, records: list[Record]) -> None:
        """Produce many records (timer and fan-out ticks) and wait for every acknowledgement.

        Records are packed into one batch per partition, as the default partitioner would
        place them: a burst of 100,000 due timers costs a few appends per record rather than
        a full `send()` each.
        """
        if not records:
            return
        producer = await self.producer()
        batches: dict[tuple[str, int], Any] = {}
        acks: list[Awaitable[Any]] = []
        partitions: dict[str, list[int]] = {}
        for record in records:
            topic = self._name(record.topic)
            if topic not in partitions:
                partitions[topic] = sorted(await producer.partitions_for(topic))
            all_partitions = partitions[topic]
            partition = _PARTITIONER(record.key, all_partitions, all_partitions)
            batch = batches.get((topic, partition))
            if batch is None:
                batch = batches[(topic, partition)] = producer.create_batch()
            if batch.append(key=record.key, value=record.value, timestamp=None) is None:
                acks.append(await producer.send_batch(batch, topic, partition=partition))
                batch = batches[(topic, partition)] = producer.create_batch()
                batch.append(key=record.key, value=record.value, timestamp=None)
        for (topic, partition), batch in batches.items():
            acks.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*acks)

    # -- the agent -------------------------------------------------------------------------

    async def _agent(self, stream: Any) -> None:
        await self.feed.ready.wait()
        async for event in stream.events():
            await self._decide_one(event)

    async def _emit(self, record: Record, headers: list[tuple[str, bytes]] | None = None) -> None:
        # Through Faust's producer without waiting for the acknowledgement: Faust flushes it
        # before committing offsets, so no input is committed before its effects are written.
        await self.app.producer.send(
            self._name(record.topic), record.key, record.value, None, None, headers
        )

    async def _dead_letter(self, event: EventT[bytes], reason: str, error: str) -> None:
        message = event.message
        headers = [
            ("waymark.dlq.topic", message.topic.encode()),
            ("waymark.dlq.partition", str(message.partition).encode()),
            ("waymark.dlq.offset", str(message.offset).encode()),
            ("waymark.dlq.reason", reason.encode()),
            ("waymark.dlq.error", error.encode()[:4096]),
        ]
        metrics.DLQ_RECORDS.labels(topic=message.topic, reason=reason).inc()
        log.warning("input to DLQ", topic=message.topic, offset=message.offset, reason=reason)
        await self.app.producer.send(
            dlq_topic(message.topic), event.key, event.value, None, None, headers
        )

    async def _decide_one(self, event: EventT[bytes]) -> None:
        topic = event.message.topic
        key = event.key
        try:
            item = self.decoder.decode(topic, event.value)
        except CodecError as exc:
            await self._dead_letter(event, "codec", exc.reason)
            return
        if not isinstance(key, bytes) or key.decode(errors="replace") != item.customer_id:
            await self._dead_letter(event, "key", "the record key is not the customer id")
            return
        state = self._load(key, item.customer_id)
        started = time.perf_counter()
        try:
            decision = decide(state, item, self.catalog, utc_now())
        except Exception as exc:  # a defect must not stop every other customer
            log.exception("decide failed", topic=topic, input_id=item.input_id)
            await self._dead_letter(event, "engine", repr(exc))
            return
        metrics.ENGINE_DECISION_SECONDS.observe(time.perf_counter() - started)
        metrics.ENGINE_INPUTS.labels(type=type(item).__name__.lower(), result="ok").inc()
        self.table[key] = to_bytes(decision.state)
        for command in decision.commands:
            await self._emit(self.encoder.command(command, item))
            metrics.ENGINE_COMMANDS.labels(lane=command.category).inc()
        for seq, transition in enumerate(decision.transitions):
            await self._emit(self.encoder.transition(transition, item.input_id, seq))
        live = len(decision.state.instances) - len(state.instances)
        if live:
            metrics.ENGINE_LIVE_INSTANCES.inc(live)
        if decision.timers:
            self.timers.apply(decision.timers, decision.state)
            metrics.ENGINE_TIMERS_PENDING.set(len(self.timers))

    def _load(self, key: bytes, customer_id: str) -> CustomerState:
        raw = self.table.get(key)
        return from_bytes(raw) if raw else CustomerState.new(customer_id)

    # -- timers, catalog changes, schedules ---------------------------------------------------

    async def _on_rebalance_complete(self, *args: Any, **kwargs: Any) -> None:
        self._rebuild_timers = True

    def _owned_states(self) -> list[CustomerState]:
        """States of the customers whose input partitions this worker is assigned now.

        The table may still hold (or stand by for) other partitions' customers; their
        timers and fan-outs belong to the worker that owns them.
        """
        events = self._name(Topic.EVENTS)
        owned = {tp.partition for tp in self.app.consumer.assignment() if tp.topic == events}
        every = list(range(self.kafka.partitions))
        return [
            from_bytes(raw)
            for key, raw in self.table.items()
            if raw and _PARTITIONER(key, every, every) in owned
        ]

    async def _fire_timers(self) -> None:
        interval = self.settings.timer_interval
        next_schedule_check = 0.0
        while True:
            await asyncio.sleep(interval)
            if self.app.rebalancing or not self.feed.ready.is_set():
                continue
            if self._rebuild_timers:
                self._rebuild_timers = False
                states = self._owned_states()
                self.timers.rebuild(t for s in states for t in pending_timers(s))
                metrics.ENGINE_LIVE_INSTANCES.set(sum(len(s.instances) for s in states))
                log.info("timers rebuilt", pending=len(self.timers), customers=len(states))
            due = self.timers.pop_due(time.time())
            if due:
                ticks = [self.encoder.tick(_tick_of(t)) for t in due]
                try:
                    await self._send_all(ticks)
                    metrics.ENGINE_TIMERS_FIRED.inc(len(due))
                except Exception:
                    log.exception("firing timers failed; they stay pending")
                    for timer in due:
                        self.timers.add(timer)
            now = time.time()
            if now >= next_schedule_check:
                next_schedule_check = now + 1.0
                await self._fire_schedules()

    async def _fire_schedules(self) -> None:
        now = utc_now()
        for journey in self.catalog.scheduled():
            last = self._schedule_marks.get(journey.id)
            if last is None:
                self._schedule_marks[journey.id] = now
                continue
            fire = self.catalog.next_fire(journey.id, last)
            if fire is None or fire > now:
                continue
            self._schedule_marks[journey.id] = fire
            customers = [s.customer_id for s in self._owned_states()]
            await self._send_all(
                [self.encoder.tick(schedule_tick(c, journey.id, fire)) for c in customers]
            )
            log.info("schedule fired", journey_id=journey.id, customers=len(customers))

    async def _fan_out(self, change: StatusChange) -> None:
        now = utc_now()
        customers = [
            s.customer_id for s in self._owned_states() if change.journey_id in s.instances
        ]
        await self._send_all(
            [
                self.encoder.tick(
                    catalog_tick(c, change.journey_id, change.change, change.version, now)
                )
                for c in customers
            ]
        )
        log.info(
            "catalog change fanned out",
            journey_id=change.journey_id,
            change=change.change,
            customers=len(customers),
        )

    async def _run_feed(self) -> None:
        await self.feed.run()

    async def _report_lag(self) -> None:
        while True:
            await asyncio.sleep(5)
            consumer = self.app.consumer
            try:
                for tp in consumer.assignment():
                    high = consumer.highwater(tp)
                    # Faust keeps committed offsets privately; lag is best effort.
                    committed = getattr(consumer, "_committed_offset", {}).get(tp)
                    if high is not None and committed is not None:
                        metrics.CONSUMER_LAG.labels(
                            service="engine", topic=tp.topic, partition=str(tp.partition)
                        ).set(max(0, high - committed))
            except Exception:  # lag is best effort; the consumer may be rebalancing
                continue

    # -- health ----------------------------------------------------------------------------

    async def _healthz(self, request: Any) -> Any:
        return self.app.web.json({"status": "ok"})

    async def _readyz(self, request: Any) -> Any:
        ready = self.feed.ready.is_set() and not self.app.rebalancing
        body = {
            "ready": ready,
            "catalog": self.feed.ready.is_set(),
            "rebalancing": self.app.rebalancing,
        }
        return self.app.web.json(body, status=200 if ready else 503)

    async def _metrics(self, request: Any) -> Any:
        body, content_type = metrics.render_metrics()
        # aiohttp refuses a charset inside content_type=, so the header is set as is.
        return self.app.web.bytes(body, headers={"Content-Type": content_type})


def _tick_of(timer: DueTimer) -> Tick:
    return Tick(
        customer_id=timer.customer_id,
        journey_id=timer.journey_id,
        entry_id=timer.entry_id,
        timer_id=timer.timer_id,
        due_at=datetime.fromtimestamp(timer.due_at, UTC),
        generation=timer.generation,
    )
