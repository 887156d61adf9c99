"""Fixtures of the channel-dispatch integration tests: the sinks and the test's database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import MongoSettings


@pytest.fixture
async def sinks() -> AsyncIterator[Sinks]:
    """The SMTP and provider sinks on free loopback ports, in the test's event loop."""
    async with Sinks() as running:
        yield running


@pytest.fixture
def mongo_settings(mongo_url: str, mongo_db: Any) -> MongoSettings:
    """MongoSettings naming the test's own database."""
    return MongoSettings(url=mongo_url, database=mongo_db.name)
