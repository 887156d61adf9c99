"""Ingest over in-memory adapters (see ingest_doubles), served through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from ingest_doubles import PREFIX, SECRETS, WRITE_KEY, FixedClock, MemoryPublisher

from waymark.core.settings import KafkaSettings
from waymark.trigger_ingest.bootstrap import bootstrap
from waymark.trigger_ingest.settings import IngestSettings
from waymark.trigger_ingest.webhooks.replay import MemorySeenSignatures


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def publisher() -> MemoryPublisher:
    return MemoryPublisher()


@pytest.fixture
def settings() -> IngestSettings:
    return IngestSettings(
        write_keys={"web": WRITE_KEY, "backend": "unit-backend-key"},
        webhook_secrets=SECRETS,
    )


@pytest.fixture
def app(settings: IngestSettings, clock: FixedClock, publisher: MemoryPublisher) -> FastAPI:
    kafka = KafkaSettings(bootstrap="127.0.0.1:9", topic_prefix=PREFIX)
    seen = MemorySeenSignatures(clock, capacity=1000, retry_after=2)
    return bootstrap(settings, kafka, clock=clock, publisher=publisher, seen=seen)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ingest", auth=(WRITE_KEY, "")
    ) as http:
        yield http
