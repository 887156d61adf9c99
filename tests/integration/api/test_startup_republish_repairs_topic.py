"""A version saved in MongoDB but never acknowledged by the broker is republished at start."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from waymark.core.adapters.kafka.clients import durable_producer
from waymark.core.settings import KafkaSettings
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.context import ApiContext

from .support import Api, bearer, journey_document, journey_records

pytestmark = pytest.mark.timeout(120)


class _FlakyBroker:
    """The real producer, until `down` is set: then nothing is acknowledged."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self.down = False

    async def send_and_wait(self, topic: str, value: bytes, key: bytes) -> object:
        if self.down:
            raise ConnectionError("broker unreachable")
        return await self.producer.send_and_wait(topic, value=value, key=key)


@pytest.fixture
async def flaky(kafka_topics: KafkaSettings) -> AsyncIterator[_FlakyBroker]:
    producer = durable_producer(kafka_topics)
    await producer.start()
    try:
        yield _FlakyBroker(producer)
    finally:
        await producer.stop()


async def test_unacknowledged_version_and_status_are_republished_at_start(
    build_services: Callable[..., AbstractAsyncContextManager[ApiContext]],
    kafka_topics: KafkaSettings,
    flaky: _FlakyBroker,
) -> None:
    first = create_app(lambda: build_services(sink=flaky), max_body_bytes=64 * 1024)
    async with first.router.lifespan_context(first):
        transport = httpx.ASGITransport(app=first)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            api = Api(http=http, ctx=first.state.services, kafka=kafka_topics)
            await _break_two_publications(api, flaky)

    # A new process starts: its start-up pass puts both on the topic.
    app = create_app(build_services, max_body_bytes=64 * 1024)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            versions = await http.get("/v1/journeys/repair-one/versions", headers=bearer("viewer"))
            assert [v["on_topic"] for v in versions.json()["versions"]] == [True]
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text

    after = await journey_records(kafka_topics, at_least=3)
    latest: dict[str, Any] = {}
    for key, record in after:
        latest[key] = record
    assert latest["repair-one/1"].status == "active"
    assert latest["repair-two/1"].status == "paused"
    assert latest["repair-one/1"].definition["id"] == "repair-one"


async def _break_two_publications(api: Api, flaky: _FlakyBroker) -> None:
    await api.create_templates("welcome-email", "nudge-sms")
    await api.as_role("editor", "POST", "/v1/journeys", json=journey_document("repair-one"))
    await api.as_role("editor", "POST", "/v1/journeys", json=journey_document("repair-two"))
    await api.as_role("editor", "POST", "/v1/journeys/repair-two/activate")

    # The broker goes away: MongoDB is written, the topic is not.
    flaky.down = True
    response = await api.as_role("editor", "POST", "/v1/journeys/repair-one/activate")
    assert response.status_code == 503
    assert "republished" in response.json()["errors"][0]["reason"]
    response = await api.as_role("editor", "POST", "/v1/journeys/repair-two/pause")
    assert response.status_code == 503

    versions = await api.as_role("viewer", "GET", "/v1/journeys/repair-one/versions")
    assert [(v["version"], v["on_topic"]) for v in versions.json()["versions"]] == [(1, False)]
    before = await journey_records(api.kafka, at_least=1, wait_seconds=3)
    assert [key for key, _ in before] == ["repair-two/1"]
