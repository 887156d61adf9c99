"""The composition root: settings -> clients -> adapters -> handlers -> the app.

Tests call `bootstrap` with in-memory adapters (a publisher, a replay store) and a fixed
clock; `__main__` calls it with the real ones built from settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from fastapi import FastAPI

from waymark.core.adapters.kafka.clients import durable_producer
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.adapters.mongo import connect
from waymark.core.contracts import AvroCodec
from waymark.core.settings import KafkaSettings, MongoSettings, SettingsError
from waymark.trigger_ingest.app import Limits, create_app
from waymark.trigger_ingest.intake import EventIntake
from waymark.trigger_ingest.publisher import KafkaPublisher, Publisher
from waymark.trigger_ingest.records import Clock, RecordFactory
from waymark.trigger_ingest.settings import IngestSettings
from waymark.trigger_ingest.webhooks.intake import MAPPINGS, WebhookIntake
from waymark.trigger_ingest.webhooks.replay import (
    MemorySeenSignatures,
    MongoSeenSignatures,
    SeenSignatures,
)
from waymark.trigger_ingest.webhooks.signature import SignatureCheck
from waymark.trigger_ingest.write_keys import WriteKeys

__all__ = ["REPLAY_COLLECTION", "bootstrap", "utc_now"]

REPLAY_COLLECTION = "ingest_webhook_signatures"
_log = structlog.get_logger("waymark.trigger_ingest")


def utc_now() -> datetime:
    """The wall clock, as an aware UTC datetime."""
    return datetime.now(UTC)


def _check(settings: IngestSettings, mongo: MongoSettings | None, *, store_given: bool) -> None:
    unknown = sorted(set(settings.webhook_secrets) - set(MAPPINGS))
    if unknown:
        raise SettingsError(
            f"WAYMARK_INGEST_WEBHOOK_SECRETS names unknown providers {', '.join(unknown)}; "
            f"known: {', '.join(MAPPINGS)}"
        )
    if settings.replay_store == "mongo" and mongo is None and not store_given:
        raise SettingsError("WAYMARK_INGEST_REPLAY_STORE=mongo needs WAYMARK_MONGO_URL")


def bootstrap(
    settings: IngestSettings,
    kafka: KafkaSettings,
    *,
    mongo: MongoSettings | None = None,
    clock: Clock = utc_now,
    publisher: Publisher | None = None,
    seen: SeenSignatures | None = None,
    codec: AvroCodec | None = None,
) -> FastAPI:
    """Build the app; adapters not given are built from settings (Kafka, the replay store)."""
    _check(settings, mongo, store_given=seen is not None)
    codec = codec or AvroCodec.static()
    kafka_publisher: KafkaPublisher | None = None
    if publisher is None:
        kafka_publisher = KafkaPublisher(
            lambda: durable_producer(kafka, client_id=f"{kafka.client_id}-ingest"),
            timeout=settings.produce_timeout_seconds,
            max_pending=settings.max_pending_records,
            retry_after=settings.retry_after_seconds,
            probe_interval=settings.probe_interval_seconds,
            required_topics=[
                topic_name(t, kafka.topic_prefix) for t in (Topic.EVENTS, Topic.OUTCOMES)
            ],
        )
        publisher = kafka_publisher
    mongo_client: Any = None
    if seen is None:
        if settings.replay_store == "mongo" and mongo is not None:
            mongo_client = connect(mongo)
            seen = MongoSeenSignatures(
                mongo_client[mongo.database][REPLAY_COLLECTION],
                clock,
                timeout=settings.produce_timeout_seconds,
                retry_after=settings.retry_after_seconds,
            )
        else:
            seen = MemorySeenSignatures(
                clock, capacity=settings.replay_capacity, retry_after=settings.retry_after_seconds
            )
    if not settings.write_keys:
        _log.warning("no write keys configured: every event call will get 401")

    factory = RecordFactory(
        codec,
        topic_prefix=kafka.topic_prefix,
        max_future=timedelta(seconds=settings.max_future_seconds),
    )
    events = EventIntake(
        factory,
        publisher,
        clock,
        max_batch_events=settings.max_batch_events,
        max_event_bytes=settings.max_event_bytes,
    )
    secrets = {
        provider: [s.get_secret_value() for s in values]
        for provider, values in settings.webhook_secrets.items()
    }
    webhooks = WebhookIntake(
        factory,
        publisher,
        SignatureCheck(
            secrets, window=timedelta(seconds=settings.webhook_window_seconds), clock=clock
        ),
        seen,
        clock,
        max_events=settings.max_batch_events,
    )
    write_keys = WriteKeys({s: k.get_secret_value() for s, k in settings.write_keys.items()})

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        """Connect in the background at start; flush and close at shutdown."""
        if kafka_publisher is not None:
            await kafka_publisher.start()
        try:
            yield
        finally:
            # Requests in flight have finished (the server waits for them before this runs);
            # flush what the producer still holds, then let go of the clients.
            if kafka_publisher is not None:
                await kafka_publisher.close(settings.shutdown_timeout_seconds)
            if mongo_client is not None:
                await mongo_client.close()
            _log.info("trigger-ingest stopped")

    return create_app(
        events=events,
        webhooks=webhooks,
        write_keys=write_keys,
        publisher=publisher,
        limits=Limits(event_bytes=settings.max_event_bytes, batch_bytes=settings.max_batch_bytes),
        lifespan=lifespan,
    )
