"""/readyz of the management API tells the truth: 503 naming the dependency it cannot reach and
why, 200 again once it answers (same app, not restarted), while /healthz stays 200.

A dependency is made unreachable for real, without stopping the shared broker or FerretDB: the
API reaches it through a loopback relay the test closes (nothing listens, connections are cut)
and opens again. The broker only before the API has connected: its metadata advertises the
broker's own address, so once connected the producer talks to the broker directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from served.probes import readiness_until
from served.relay import Relay

from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.bootstrap import bootstrap

from .support import Api, api_settings, journey_document, journey_records

pytestmark = pytest.mark.timeout(180)

ALL_OK = {"ready": True, "checks": {"kafka": "ok", "mongo": "ok", "republish": "ok"}}


@asynccontextmanager
async def _serving(kafka: KafkaSettings, mongo: MongoSettings) -> AsyncIterator[Api]:
    app = create_app(lambda: bootstrap(api_settings(), kafka, mongo), max_body_bytes=64 * 1024)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            yield Api(http=http, ctx=app.state.services, kafka=kafka)


async def _probe(api: Api, path: str) -> tuple[int, Any]:
    response = await api.http.get(path)
    return response.status_code, response.json()


async def _readiness_until(api: Api, done: Callable[[int, Any], bool]) -> tuple[int, Any]:
    return await readiness_until(lambda path: _probe(api, path), done)


async def test_a_broker_unreachable_at_start_is_named_until_it_answers(
    kafka_topics: KafkaSettings, mongo_url: str, mongo_db: Any
) -> None:
    mongo = MongoSettings(url=mongo_url, database=mongo_db.name)
    with Relay(kafka_topics.bootstrap) as relay:  # closed: nothing listens on its port yet
        kafka = kafka_topics.model_copy(update={"bootstrap": relay.address})
        async with _serving(kafka, mongo) as api:
            status, body = await _probe(api, "/readyz")
            assert status == 503
            assert body["ready"] is False
            assert body["checks"]["kafka"].startswith("unreachable: ")
            assert str(relay.port) in body["checks"]["kafka"]
            assert body["checks"]["mongo"] == "ok"
            assert body["checks"]["republish"] == "the start-up pass has not completed yet"
            assert await _probe(api, "/healthz") == (200, {"status": "ok"})

            # It serves meanwhile: what needs no broker works, a publish is refused at once.
            await api.create_templates("welcome-email", "nudge-sms")
            created = await api.as_role(
                "editor", "POST", "/v1/journeys", json=journey_document("jay")
            )
            assert created.status_code == 201, created.text
            activated = await api.as_role("editor", "POST", "/v1/journeys/jay/activate")
            assert activated.status_code == 503, activated.text

            relay.open()
            assert await _readiness_until(api, lambda s, _: s == 200) == (200, ALL_OK)
            # The start-up pass ran as soon as the broker answered: the refused version is out.
            [(key, record)] = await journey_records(kafka_topics, at_least=1)
            assert (key, record.status) == ("jay/1", "active")


async def test_mongodb_going_away_and_back_is_reported_without_a_restart(
    kafka_topics: KafkaSettings, mongo_url: str, mongo_db: Any
) -> None:
    server = urlsplit(mongo_url)
    with Relay(f"{server.hostname}:{server.port}") as relay:
        relay.open()
        mongo = MongoSettings(url=f"mongodb://{relay.address}/", database=mongo_db.name)
        async with _serving(kafka_topics, mongo) as api:
            assert await _probe(api, "/readyz") == (200, ALL_OK)

            relay.close()
            _, body = await _readiness_until(api, lambda s, _: s == 503)
            assert body["ready"] is False
            assert body["checks"]["mongo"].startswith("unreachable: ")
            assert relay.address in body["checks"]["mongo"]
            assert body["checks"]["kafka"] == "ok"
            assert await _probe(api, "/healthz") == (200, {"status": "ok"})

            relay.open()
            assert await _readiness_until(api, lambda s, _: s == 200) == (200, ALL_OK)
