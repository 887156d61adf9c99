"""The management API in-process on the real broker and FerretDB, with one token per role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.bootstrap import bootstrap
from waymark.journey_engine.api.context import ApiContext

from .support import Api, api_settings


@pytest.fixture
def build_services(
    kafka_topics: KafkaSettings, mongo_db: Any, mongo_url: str
) -> Callable[..., AbstractAsyncContextManager[ApiContext]]:
    """`bootstrap` bound to the test's topics and database; keyword overrides pass through."""

    def build(**overrides: Any) -> AbstractAsyncContextManager[ApiContext]:
        settings = overrides.pop("settings", api_settings())
        mongo = MongoSettings(url=mongo_url, database=mongo_db.name)
        return bootstrap(settings, kafka_topics, mongo, database=mongo_db, **overrides)

    return build


@pytest.fixture
async def api(
    build_services: Callable[..., AbstractAsyncContextManager[ApiContext]],
    kafka_topics: KafkaSettings,
) -> AsyncIterator[Api]:
    """The app served in-process through httpx's ASGI transport, lifespan included."""
    app = create_app(build_services, max_body_bytes=64 * 1024)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            yield Api(http=http, ctx=app.state.services, kafka=kafka_topics)
