"""The worker's catalog feed outlives Kafka errors: a feed that cannot reach the broker says
so and starts again until it can, and one that failed while telling customers of a status
change starts again at that record, so the change is told, once, and none before it again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaTimeoutError
from served.relay import Relay

from waymark.core.adapters.kafka.dlq import DeadLetterWriter
from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import AvroCodec
from waymark.core.engine import Catalog
from waymark.journey_engine.worker.catalog_feed import CatalogFeed, StatusChange

from .harness import Bus

pytestmark = pytest.mark.timeout(120)

JOURNEY = {
    "id": "welcome",
    "name": "Welcome",
    "type": "transactional",
    "trigger": {"event": "signed_up"},
    "milestones": [
        {"id": "only", "steps": [{"id": "send", "send": {"channel": "email", "template": "w"}}]}
    ],
}


class FanOutFailingOnceMock:
    """The worker's fan-out, failing once as it does when the broker times out a send."""

    def __init__(self) -> None:
        self.told: list[StatusChange] = []
        self.failures = 0
        self.fail_next = False

    async def __call__(self, change: StatusChange) -> None:
        if self.fail_next:
            self.fail_next = False
            self.failures += 1
            raise KafkaTimeoutError("fan-out send timed out (injected)")
        self.told.append(change)


async def _until(check: Callable[[], bool], what: str) -> None:
    for _ in range(300):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_feed_restarts_where_it_stopped(bus: Bus) -> None:
    await bus.publish_journey(JOURNEY, version=1, status="active")
    fan_out = FanOutFailingOnceMock()
    with Relay(bus.kafka.bootstrap) as relay:  # closed: the broker cannot be reached yet
        feed = CatalogFeed(
            Catalog(),
            lambda: AIOKafkaConsumer(
                bootstrap_servers=relay.address, enable_auto_commit=False, group_id=None
            ),
            bus.topic(Topic.JOURNEYS),
            AvroCodec.static(),
            fan_out,
        )
        producer = AIOKafkaProducer(bootstrap_servers=bus.kafka.bootstrap)
        await producer.start()
        stopping = asyncio.Event()
        task = asyncio.create_task(feed.follow(DeadLetterWriter(producer), stopping))
        try:
            await _until(lambda: feed.failing is not None, "the first start to fail")
            assert not feed.ready.is_set()
            relay.open()
            await _until(feed.ready.is_set, "the catalog to load once the broker answers")
            assert feed.failing is None
            assert feed.catalog.version("welcome", 1) is not None

            await bus.publish_journey(JOURNEY, version=1, status="paused")
            await _until(lambda: len(fan_out.told) == 1, "the pause to be told")
            # Telling the resume fails once: the feed starts again at the resume's record,
            # not at the beginning (which would tell the first records' changes again).
            fan_out.fail_next = True
            await bus.publish_journey(JOURNEY, version=1, status="active")
            await _until(lambda: len(fan_out.told) == 2, "the resume to be told")
            await asyncio.sleep(1.5)  # a replay of older changes would be told within this
        finally:
            stopping.set()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await producer.stop()
    assert fan_out.failures == 1
    assert [(c.journey_id, c.change) for c in fan_out.told] == [
        ("welcome", "paused"),
        ("welcome", "resumed"),
    ]
