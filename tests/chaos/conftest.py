"""Fixtures of the fault tests: the platform as processes on the test's own names."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from waymark.core.settings import KafkaSettings

from . import private_stack
from .private_stack import PrivateServer
from .processes import Platform
from .scenario import drop


@pytest.fixture
async def make_platform(unique: str, tmp_path: Path) -> AsyncIterator[Callable[..., Platform]]:
    """Build platforms of processes on the test's names; stopped, topics and database dropped
    after."""
    built: list[Platform] = []

    def make(bootstrap: str, mongo_url: str, **overrides: dict[str, str]) -> Platform:
        kafka = KafkaSettings(bootstrap=bootstrap, topic_prefix=f"t{unique}.", partitions=3)
        platform = Platform(
            kafka, mongo_url, f"t{unique}", tmp_path / "platform", unique, overrides
        )
        built.append(platform)
        print(f"\nservice logs in {platform.workdir}")
        return platform

    yield make
    for platform in built:
        platform.stop()
        await drop(platform.kafka, platform.mongo_url, platform.database)


@pytest.fixture
def private_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServer]:
    """A broker only this test uses, so it may stop it; stopped at the end, also on failure."""
    server = private_stack.private_kafka(tmp_path_factory.mktemp("kafka"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_ferretdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServer]:
    """A FerretDB only this test uses; stopped at the end, also on failure."""
    server = private_stack.private_ferretdb(tmp_path_factory.mktemp("ferretdb"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
