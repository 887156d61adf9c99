"""Helpers for ingest's integration tests: the app on a real broker, reading topics back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI

from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import AvroCodec
from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.trigger_ingest.bootstrap import bootstrap
from waymark.trigger_ingest.settings import IngestSettings

WRITE_KEY = "it-web-key"
SECRETS = {"email": "it-email-secret", "sms": "it-sms-secret", "push": "it-push-secret"}
CODEC = AvroCodec.static()


def ingest_settings(**overrides: Any) -> IngestSettings:
    """Settings with one write key (source `web`) and a secret per provider."""
    values: dict[str, Any] = {
        "write_keys": {"web": WRITE_KEY},
        "webhook_secrets": SECRETS,
        "produce_timeout_seconds": 3.0,
        "probe_interval_seconds": 0.25,
        "retry_after_seconds": 1,
    }
    values.update(overrides)
    return IngestSettings(**values)


@dataclass
class Ingest:
    """The app under test and a client authenticated with the `web` write key."""

    app: FastAPI
    http: httpx.AsyncClient


@asynccontextmanager
async def running_ingest(
    kafka: KafkaSettings,
    settings: IngestSettings | None = None,
    *,
    mongo: MongoSettings | None = None,
    wait_ready: bool = True,
) -> AsyncIterator[Ingest]:
    """Ingest with its real Kafka publisher, lifespan included, served through ASGI."""
    app = bootstrap(settings or ingest_settings(), kafka, mongo=mongo)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://ingest", auth=(WRITE_KEY, "")
        ) as http:
            if wait_ready:
                await until_ready(http)
            yield Ingest(app, http)


async def until(check: Callable[[], Awaitable[bool]], within: float, every: float = 0.05) -> None:
    """Poll `check` until it holds; TimeoutError after `within` seconds."""
    for _ in range(max(1, int(within / every))):
        if await check():
            return
        await asyncio.sleep(every)
    raise TimeoutError(f"not true within {within} s")


async def until_ready(http: httpx.AsyncClient, within: float = 30.0) -> None:
    """Wait until /readyz answers 200."""

    async def ready() -> bool:
        return (await http.get("/readyz")).status_code == 200

    await until(ready, within, every=0.1)


async def read_topic(kafka: KafkaSettings, topic: Topic) -> list[Any]:
    """Every record on the topic up to its current end, in partition order."""
    name = topic_name(topic, kafka.topic_prefix)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        # Every keyed topic has the deployment's partition count (topic_specs).
        partitions = [TopicPartition(name, p) for p in range(kafka.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        async with asyncio.timeout(30):
            while not await _caught_up(consumer, ends):
                batch = await consumer.getmany(timeout_ms=500)
                for part in batch.values():
                    records.extend(part)
        return records
    finally:
        await consumer.stop()


async def _caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True


def decoded(records: list[Any]) -> list[dict[str, Any]]:
    """The values of records, decoded with the static codec."""
    return [CODEC.decode(r.value).record for r in records]
