"""The composition root: settings -> clients -> store, catalog, aggregator -> consumer and app.

Tests call `build_service` with their own settings (and database); `__main__` calls it with
what the environment says. Nothing connects until the app's lifespan starts the service.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import FastAPI
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from waymark.analytics.aggregator import Aggregator
from waymark.analytics.app import create_app
from waymark.analytics.catalog import JourneyCatalog
from waymark.analytics.consumer import TOPIC_MODELS, LiveConsumer, RecordDecoder
from waymark.analytics.feed import CatalogFeed
from waymark.analytics.latency import SendLatency
from waymark.analytics.queries import Reader
from waymark.analytics.settings import AnalyticsSettings
from waymark.analytics.store import Store
from waymark.analytics.views import Views
from waymark.core.adapters.kafka.clients import durable_producer, manual_commit_consumer
from waymark.core.adapters.kafka.dlq import DeadLetterWriter
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.adapters.mongo import connect
from waymark.core.adapters.readiness import (
    OK,
    DependencyChecks,
    Probe,
    Readiness,
    kafka_metadata,
    mongo_ping,
)
from waymark.core.contracts import AvroCodec
from waymark.core.settings import KafkaSettings, MongoSettings

__all__ = ["Service", "build_service", "catalog_consumer"]

log = structlog.get_logger(__name__)


def catalog_consumer(kafka: KafkaSettings, client_id: str) -> AIOKafkaConsumer:
    """A group-less consumer for reading the whole journeys topic."""
    return AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )


@dataclass
class Service:
    """A wired analytics: the app serves from the store; `start` runs the consumer beside it.

    Kafka clients need a running event loop, so they are made in `start`, not here.
    """

    settings: AnalyticsSettings
    kafka: KafkaSettings
    mongo: AsyncMongoClient[dict[str, Any]]
    store: Store
    views: Views
    catalog: JourneyCatalog
    feed: CatalogFeed | None
    checks: DependencyChecks = field(init=False)
    app: FastAPI = field(init=False)
    live: LiveConsumer | None = None
    consumer: AIOKafkaConsumer | None = None
    producer: AIOKafkaProducer | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    failed: str | None = None
    _task: asyncio.Task[None] | None = None

    def alive(self) -> list[str]:
        """Why the process is broken for good (a restart is due); empty while it works."""
        return [f"consumer stopped: {self.failed}"] if self.failed else []

    async def ready(self) -> Readiness:
        """MongoDB (and, when consuming, Kafka) answer, the catalog is loaded and the consumer
        is in its group applying batches; each check says `ok` or why not."""
        verdict = await self.checks.check()
        if self.feed is None:
            return verdict
        catalog = OK if self.feed.ready.is_set() else "still loading"
        return verdict.with_checks({"catalog": catalog, "consumer": self._consumer_state()})

    def _consumer_state(self) -> str:
        if self.failed:
            return f"stopped: {self.failed}"
        if self.live is None or not self.live.consuming:
            return "not in its group yet"
        if self.live.failing:
            return f"batches cannot be applied: {self.live.failing}"
        return OK

    def _wire_consumer(self) -> LiveConsumer:
        kafka, settings = self.kafka, self.settings
        codec = AvroCodec.static()
        topics = [topic_name(t, kafka.topic_prefix) for t in TOPIC_MODELS]
        self.consumer = manual_commit_consumer(
            kafka, *topics, group_id=settings.group_id, client_id=f"{kafka.client_id}-analytics"
        )
        self.producer = durable_producer(kafka, client_id=f"{kafka.client_id}-analytics-dlq")
        latency = SendLatency(settings.latency_memory) if settings.latency_memory else None
        return LiveConsumer(
            consumer=self.consumer,
            decoder=RecordDecoder(codec),
            aggregator=Aggregator(self.store, self.catalog, latency),
            dead_letters=DeadLetterWriter(self.producer),
            max_records=settings.max_batch_records,
            poll_timeout_ms=settings.poll_timeout_ms,
            linger_seconds=settings.batch_linger_seconds,
            retry_seconds=settings.retry_seconds,
        )

    async def start(self) -> None:
        """Start consuming in the background (the API serves meanwhile)."""
        if self.feed is not None:
            self.live = self._wire_consumer()
            self._task = asyncio.create_task(self._run(), name="analytics-consumer")

    async def _until_done(self, what: str, step: Any) -> bool:
        """Run `step()` until it succeeds or the service stops; False when stopped."""
        while not self.stopping.is_set():
            try:
                await step()
                return True
            except (PyMongoError, KafkaError, OSError) as exc:
                log.warning("start_retry", step=what, error=str(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self.stopping.wait(), timeout=self.settings.retry_seconds
                    )
        return False

    async def _run(self) -> None:
        assert self.feed is not None
        assert self.live is not None
        assert self.consumer is not None
        assert self.producer is not None
        feed_task: asyncio.Task[None] | None = None
        try:
            if not await self._until_done("indexes", self.store.ensure_indexes):
                return
            if not await self._until_done("producer", self.producer.start):
                return
            feed_task = asyncio.create_task(self.feed.run(self.stopping), name="catalog-feed")
            ready = asyncio.create_task(self.feed.ready.wait())
            stop = asyncio.create_task(self.stopping.wait())
            await asyncio.wait({ready, stop, feed_task}, return_when=asyncio.FIRST_COMPLETED)
            ready.cancel()
            stop.cancel()
            if feed_task.done():
                feed_task.result()  # a failed feed is a failed service
            if self.stopping.is_set():
                return
            if not await self._until_done("consumer", self.consumer.start):
                return
            log.info("analytics_consuming", group=self.settings.group_id)
            await self.live.run(self.stopping)
        except Exception as exc:
            self.failed = repr(exc)
            log.exception("analytics_consumer_failed")
        finally:
            if feed_task is not None:
                self.stopping.set()
                with contextlib.suppress(Exception):
                    await feed_task

    async def stop(self) -> None:
        """Finish the batch in hand (it is committed), leave the group, close the clients."""
        self.stopping.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.shield(self._task), timeout=self.settings.shutdown_timeout_seconds
                )
        if self.consumer is not None:
            await self.consumer.stop()
        if self.producer is not None:
            await self.producer.stop()
        await self.mongo.close()
        log.info("analytics_stopped")


def build_service(
    *,
    settings: AnalyticsSettings,
    kafka: KafkaSettings,
    mongo: MongoSettings,
) -> Service:
    """Wire analytics from settings; nothing connects until the app starts."""
    client = connect(mongo)
    database = client[settings.database or mongo.database]
    store = Store(database)
    catalog = JourneyCatalog()
    feed = None
    if settings.consume:
        feed = CatalogFeed(
            catalog=catalog,
            store=store,
            consumer=lambda: catalog_consumer(kafka, f"{kafka.client_id}-analytics-catalog"),
            topic=topic_name(Topic.JOURNEYS, kafka.topic_prefix),
            codec=AvroCodec.static(),
            retry_seconds=settings.retry_seconds,
        )
    service = Service(
        settings=settings,
        kafka=kafka,
        mongo=client,
        store=store,
        views=Views(Reader(database), trace_limit=settings.trace_limit),
        catalog=catalog,
        feed=feed,
    )
    probes: dict[str, Probe] = {"mongo": mongo_ping(client)}
    if feed is not None:
        # The DLQ producer is made when the service starts; until it connects, the probe asks
        # the bootstrap servers itself.
        probes["kafka"] = kafka_metadata(
            lambda: service.producer.client if service.producer is not None else None,
            kafka.bootstrap,
        )
    service.checks = DependencyChecks(probes)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    service.app = create_app(service.views, (service.alive, service.ready), lifespan=lifespan)
    return service
