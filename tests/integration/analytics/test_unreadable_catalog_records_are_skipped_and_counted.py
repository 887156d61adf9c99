"""A record of the journeys topic that is no JourneyVersion is skipped, logged and counted by
analytics, at start-up and live; the catalog and the consumer go on. Analytics writes no DLQ
letter of it (the engine worker writes the one letter), and a definition the engine would refuse
is still outlined as far as it can be read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from waymark.core.adapters.kafka.dlq import dlq_topic
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import JourneyTransition

from .support import CODEC, AnalyticsProcess, Records, event, wait_caught_up


async def _letters(kafka: Any) -> list[Any]:
    name = dlq_topic(topic_name(Topic.JOURNEYS, kafka.topic_prefix))
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(name, p) for p in range(kafka.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        return [tp for tp in tps if ends[tp] > 0]
    finally:
        await consumer.stop()


def _skipped(topic: str) -> str:
    return f'waymark_consumer_records_total{{result="dlq",service="analytics",topic="{topic}"}}'


async def test_unreadable_catalog_records_are_skipped_and_the_rest_goes_on(
    kafka_topics: Any, make_analytics: Callable[..., AnalyticsProcess]
) -> None:
    journeys = topic_name(Topic.JOURNEYS, kafka_topics.topic_prefix)
    async with Records(kafka_topics) as records:
        await records.send_raw(
            Topic.JOURNEYS,
            [
                (b"broken/1", b"not avro at all"),
                # A valid record of another schema is no journey version either.
                (b"event/1", CODEC.encode_model(event("c0", "identify"))),
            ],
        )
        # Avro-valid, but a definition no engine runs: outlined as far as it can be read.
        await records.journey({"id": "odd", "name": "Odd", "milestones": 5})
        await records.journey({"id": "welcome", "name": "Welcome", "milestones": []})
        analytics = make_analytics()
        await analytics.wait_ready()
        assert analytics.get("/v1/journeys/welcome/summary")["name"] == "Welcome"
        assert analytics.get("/v1/journeys/odd/summary")["name"] == "Odd"
        assert f"{_skipped(journeys)} 2.0" in analytics.metrics()

        # Live: another unreadable record, then a journey and an entry into it.
        await records.send_raw(Topic.JOURNEYS, [(b"broken/2", b"\x00\x00\x00")])
        await records.journey({"id": "later", "name": "Later", "milestones": []})
        entered = JourneyTransition(
            transition_id="t-c1",
            customer_id="c1",
            journey_id="later",
            journey_version=1,
            entry_id="e-c1",
            kind="entered",
            at=datetime.now(UTC),
        )
        await records.send(Topic.TRANSITIONS, [entered])
    await wait_caught_up(kafka_topics, analytics.group_id)

    summary = analytics.get("/v1/journeys/later/summary")
    assert (summary["name"], summary["total"]["entries"]) == ("Later", 1)
    assert f"{_skipped(journeys)} 3.0" in analytics.metrics()
    assert analytics.status("/readyz") == 200
    assert await _letters(kafka_topics) == [], "analytics writes no letter of the catalog"
