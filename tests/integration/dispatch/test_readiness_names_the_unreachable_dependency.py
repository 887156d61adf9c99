"""/readyz of channel-dispatch tells the truth: 503 naming the dependency it cannot reach and
why, 200 again once it answers (same process), while /healthz stays 200 throughout.

A dependency is made unreachable for real, without stopping the shared broker or FerretDB: the
service reaches it through a loopback relay the test closes (nothing listens, connections are
cut) and opens again, or through a listener that accepts and never answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from served.probes import Ask, over_http, readiness_until
from served.relay import Relay

from waymark.channel_dispatch.bootstrap import build_service
from waymark.channel_dispatch.settings import DispatchSettings
from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import dispatch_settings, running

pytestmark = pytest.mark.timeout(180)

ALL_OK = {"ready": True, "checks": {"kafka": "ok", "mongo": "ok", "lanes": "ok"}}


def _ask(settings: DispatchSettings) -> Ask:
    return over_http(f"http://127.0.0.1:{settings.http_port}")


async def _probe(settings: DispatchSettings, path: str) -> tuple[int, Any]:
    return await _ask(settings)(path)


async def _readiness_until(
    settings: DispatchSettings, done: Callable[[int, Any], bool]
) -> tuple[int, Any]:
    return await readiness_until(_ask(settings), done)


async def test_mongodb_going_away_and_back_is_reported_without_a_restart(
    kafka_topics: KafkaSettings,
    mongo_url: str,
    mongo_db: Any,
    sinks: Sinks,
    unique: str,
) -> None:
    server = urlsplit(mongo_url)
    settings = dispatch_settings(sinks, unique)
    with Relay(f"{server.hostname}:{server.port}") as relay:
        relay.open()
        mongo = MongoSettings(url=f"mongodb://{relay.address}/", database=mongo_db.name)
        async with running(settings, kafka_topics, mongo):
            assert await _probe(settings, "/readyz") == (200, ALL_OK)

            relay.close()
            _, body = await _readiness_until(settings, lambda s, _: s == 503)
            assert body["ready"] is False
            assert body["checks"]["mongo"].startswith("unreachable: ")
            assert relay.address in body["checks"]["mongo"]
            assert body["checks"]["kafka"] == "ok"
            assert await _probe(settings, "/healthz") == (200, {"status": "ok"})

            relay.open()
            assert await _readiness_until(settings, lambda s, _: s == 200) == (200, ALL_OK)


async def test_a_broker_unreachable_at_start_is_named_until_it_answers(
    kafka_topics: KafkaSettings,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    settings = dispatch_settings(sinks, unique)
    with Relay(kafka_topics.bootstrap) as relay:  # closed: nothing listens on its port yet
        kafka = kafka_topics.model_copy(update={"bootstrap": relay.address})
        service = build_service(settings=settings, kafka=kafka, mongo=mongo_settings)
        stopping = asyncio.Event()
        task = asyncio.create_task(service.run(stopping))
        try:
            _, body = await _readiness_until(settings, lambda s, _: s == 503)
            assert body["checks"]["kafka"].startswith("unreachable: ")
            assert str(relay.port) in body["checks"]["kafka"]
            assert body["checks"]["mongo"] == "ok"
            assert body["checks"]["lanes"].startswith("starting")
            assert await _probe(settings, "/healthz") == (200, {"status": "ok"})
            assert not task.done(), "dispatch must wait for the broker, not exit"

            relay.open()
            assert await _readiness_until(settings, lambda s, _: s == 200) == (200, ALL_OK)
        finally:
            stopping.set()
            await asyncio.wait_for(task, timeout=60)


async def test_a_broker_that_hangs_is_named_within_the_probe_budget(
    kafka_topics: KafkaSettings,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    settings = dispatch_settings(sinks, unique)
    with Relay(None) as silent:  # accepts connections, never answers
        silent.open()
        kafka = kafka_topics.model_copy(update={"bootstrap": silent.address})
        service = build_service(settings=settings, kafka=kafka, mongo=mongo_settings)
        stopping = asyncio.Event()
        task = asyncio.create_task(service.run(stopping))
        try:
            # Each answer comes within the client's 10 s although the broker never answers.
            _, body = await _readiness_until(settings, lambda s, _: s == 503)
            assert body["checks"]["kafka"] == "unreachable: no answer within 1 s"
            assert body["checks"]["mongo"] == "ok"
            assert await _probe(settings, "/healthz") == (200, {"status": "ok"})
        finally:
            stopping.set()
            await asyncio.wait_for(task, timeout=60)
