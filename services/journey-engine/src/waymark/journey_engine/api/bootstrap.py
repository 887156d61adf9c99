"""The composition root: settings → clients → adapters → handlers, in one place.

`bootstrap()` is what the app runs at start-up; tests call it with their own database, sink
or clock through the keyword arguments, and everything else is built as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from waymark.core.adapters.kafka.clients import durable_producer
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
from waymark.journey_engine.api.auth import TokenAuth
from waymark.journey_engine.api.context import ApiContext
from waymark.journey_engine.api.counts import AnalyticsCustomerCounts
from waymark.journey_engine.api.lifecycle import CustomerCounts, Journeys, NoCustomerCounts
from waymark.journey_engine.api.publisher import RecordSink, VersionPublisher
from waymark.journey_engine.api.settings import ApiSettings
from waymark.journey_engine.api.sink import ProducerSink
from waymark.journey_engine.api.store import JourneyStore
from waymark.journey_engine.api.template_store import TemplateStore
from waymark.journey_engine.api.testsend import TestSends

__all__ = ["REPAIR_INTERVAL_SECONDS", "bootstrap", "utc_now"]

_log = structlog.get_logger("waymark.journey_engine.api")

REPAIR_INTERVAL_SECONDS = 60.0
"""How often the republish pass runs after start-up, so a failed publish is not left waiting."""


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


class _Repairs:
    """The start-up republish pass, then the same pass at an interval."""

    def __init__(self, publisher: VersionPublisher, interval: float) -> None:
        self.publisher = publisher
        self.interval = interval
        self.done = False

    async def once(self) -> None:
        try:
            await self.publisher.repair()
            self.done = True
        except Exception as exc:  # the next round retries; readiness says why meanwhile
            _log.warning("journey_repair_failed", error=str(exc))

    async def forever(self, connecting: ProducerSink | None) -> None:
        if connecting is not None and not connecting.connected:
            # The broker was away at start-up: the start-up pass runs as soon as it answers.
            await connecting.keep_connecting()
            await self.once()
        while True:
            await asyncio.sleep(self.interval)
            await self.once()


def _counts(settings: ApiSettings) -> CustomerCounts:
    if settings.analytics_url:
        return AnalyticsCustomerCounts(settings.analytics_url)
    return NoCustomerCounts()


@asynccontextmanager
async def bootstrap(
    settings: ApiSettings,
    kafka: KafkaSettings,
    mongo: MongoSettings,
    *,
    database: AsyncDatabase[dict[str, Any]] | None = None,
    clock: Callable[[], datetime] = utc_now,
    counts: CustomerCounts | None = None,
    sink: RecordSink | None = None,
    repair_interval: float = REPAIR_INTERVAL_SECONDS,
) -> AsyncIterator[ApiContext]:
    """Build the API's context, run the start-up republish pass, and close it all on exit.

    `sink` replaces the Kafka producer records are sent through (tests use it to play a
    broker that is down); readiness then checks MongoDB only. A broker away at start-up does
    not stop the API: it serves, not ready, while its producer keeps trying.
    """
    async with contextlib.AsyncExitStack() as stack:
        if database is None:
            client = connect(mongo)
            stack.push_async_callback(client.close)
            database = client[mongo.database]
        # Each dependency is asked through the API's own client, within a second, the verdict
        # reused for a moment: probes come often and a dependency that hangs must not hang them.
        probes: dict[str, Probe] = {"mongo": mongo_ping(database.client)}
        connecting: ProducerSink | None = None
        if sink is None:
            producer = durable_producer(kafka)
            stack.push_async_callback(producer.stop)
            probes["kafka"] = kafka_metadata(lambda: producer.client, kafka.bootstrap)
            sink = connecting = ProducerSink(producer)
            await connecting.connect()
        checks = DependencyChecks(probes)

        codec = AvroCodec.static()
        store = JourneyStore(database)
        await store.ensure_indexes()
        templates = TemplateStore(database)
        await templates.ensure_indexes()
        journeys_topic = topic_name(Topic.JOURNEYS, kafka.topic_prefix)
        publisher = VersionPublisher(
            store=store, sink=sink, topic=journeys_topic, codec=codec, clock=clock
        )
        repairs = _Repairs(publisher, repair_interval)
        if connecting is None or connecting.connected:
            await repairs.once()
        task = asyncio.create_task(repairs.forever(connecting), name="journey-repair")

        async def stop_repairs() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        stack.push_async_callback(stop_repairs)

        async def ready() -> Readiness:
            verdict = await checks.check()
            republish = OK if repairs.done else "the start-up pass has not completed yet"
            return verdict.with_checks({"republish": republish})

        yield ApiContext(
            settings=settings,
            auth=TokenAuth(settings.tokens),
            journeys=Journeys(
                store=store,
                publisher=publisher,
                templates=templates.catalog,
                counts=counts or _counts(settings),
                clock=clock,
            ),
            publisher=publisher,
            templates=templates,
            template_catalog=templates.catalog,
            test_sends=TestSends(
                allowed=settings.test_recipients,
                sink=sink,
                topic=topic_name(Topic.COMMANDS_TRANSACTIONAL, kafka.topic_prefix),
                codec=codec,
                clock=clock,
            ),
            ready=ready,
            clock=clock,
        )
