"""Shared fixtures: the real broker and MongoDB-protocol server, unique names per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration as needing the real stack."""
    for item in items:
        if "/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def _docker_stack() -> Iterator[dict[str, str]]:
    """Kafka and MongoDB from testcontainers, only when no address is given."""
    if os.environ.get("WAYMARK_KAFKA_BOOTSTRAP") and os.environ.get("WAYMARK_MONGO_URL"):
        yield {}
        return
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:
        pytest.fail(
            "no WAYMARK_KAFKA_BOOTSTRAP/WAYMARK_MONGO_URL given and no Docker engine answers "
            f"({exc}); run `make test`, which starts the local stack, or set the addresses",
            pytrace=False,
        )
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.mongodb import MongoDbContainer

    with (
        KafkaContainer("confluentinc/cp-kafka:7.8.0").with_kraft() as kafka,
        MongoDbContainer("mongo:7") as mongo,
    ):
        yield {
            "WAYMARK_KAFKA_BOOTSTRAP": kafka.get_bootstrap_server(),
            "WAYMARK_MONGO_URL": mongo.get_connection_url(),
        }


@pytest.fixture(scope="session")
def kafka_bootstrap(_docker_stack: dict[str, str]) -> str:
    """host:port of the real Kafka broker (the address variable wins over testcontainers)."""
    return os.environ.get("WAYMARK_KAFKA_BOOTSTRAP") or _docker_stack["WAYMARK_KAFKA_BOOTSTRAP"]


@pytest.fixture(scope="session")
def mongo_url(_docker_stack: dict[str, str]) -> str:
    """Connection string of the real MongoDB-protocol server."""
    return os.environ.get("WAYMARK_MONGO_URL") or _docker_stack["WAYMARK_MONGO_URL"]


@pytest.fixture
def unique() -> str:
    """A short unique token for topic prefixes, groups and databases of one test."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def kafka_settings(kafka_bootstrap: str, unique: str) -> Any:
    """KafkaSettings with a topic prefix no other test uses."""
    from waymark.core.settings import KafkaSettings

    return KafkaSettings(bootstrap=kafka_bootstrap, topic_prefix=f"t{unique}.", partitions=3)


@pytest.fixture
async def kafka_topics(kafka_settings: Any) -> AsyncIterator[Any]:
    """Every Waymark topic created under the test's prefix; deleted afterwards."""
    from aiokafka.admin import AIOKafkaAdminClient

    from waymark.core.adapters.kafka.topics import ensure_topics, topic_specs

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_settings.bootstrap)
    await admin.start()
    specs = topic_specs(kafka_settings.topic_prefix, kafka_settings.partitions)
    report = await ensure_topics(admin, specs)
    assert report.ok, report.mismatches
    try:
        yield kafka_settings
    finally:
        await admin.delete_topics([s.name for s in specs])
        await admin.close()


@pytest.fixture
async def mongo_db(mongo_url: str, unique: str) -> AsyncIterator[Any]:
    """A database no other test uses, on the real server; dropped afterwards."""
    from waymark.core.adapters.mongo import connect
    from waymark.core.settings import MongoSettings

    settings = MongoSettings(url=mongo_url, database=f"t{unique}")
    client = connect(settings)
    try:
        yield client[settings.database]
    finally:
        await client.drop_database(settings.database)
        await client.close()
