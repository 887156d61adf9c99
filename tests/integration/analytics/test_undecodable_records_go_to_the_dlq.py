"""A record analytics cannot read goes to its topic's DLQ with the cause; the records around it
are still counted and consumption goes on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import JourneyTransition

from .support import CODEC, AnalyticsProcess, Records, event, wait_caught_up


def _entered(customer: str) -> JourneyTransition:
    return JourneyTransition(
        transition_id=f"t-{customer}",
        customer_id=customer,
        journey_id="welcome",
        journey_version=1,
        entry_id=f"e-{customer}",
        kind="entered",
        at=datetime.now(UTC),
    )


async def _dead_letters(kafka: Any, topic: Topic) -> list[dict[str, bytes]]:
    name = topic_name(topic, kafka.topic_prefix) + ".dlq"
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(name, p) for p in range(kafka.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        found: list[dict[str, bytes]] = []
        for _ in range(10):
            for records in (await consumer.getmany(timeout_ms=300)).values():
                found += [dict(r.headers) for r in records]
        return found
    finally:
        await consumer.stop()


async def test_bad_records_are_dead_lettered_and_the_rest_counted(
    kafka_topics: Any, make_analytics: Callable[..., AnalyticsProcess]
) -> None:
    analytics = make_analytics()
    await analytics.wait_ready()
    async with Records(kafka_topics) as records:
        await records.journey({"id": "welcome", "name": "Welcome", "milestones": []})
        await records.send(Topic.TRANSITIONS, [_entered("c1")])
        await records.send_raw(Topic.TRANSITIONS, [(b"c2", b"not avro at all")])
        # A valid record on the wrong topic is no transition either.
        await records.send_raw(
            Topic.TRANSITIONS, [(b"c3", CODEC.encode_model(event("c3", "identify")))]
        )
        await records.send(Topic.TRANSITIONS, [_entered("c4")])
    await wait_caught_up(kafka_topics, analytics.group_id)

    letters = await _dead_letters(kafka_topics, Topic.TRANSITIONS)
    assert len(letters) == 2
    assert {letter["waymark.dlq.reason"] for letter in letters} == {b"undecodable"}
    errors = b" ".join(letter["waymark.dlq.error"] for letter in letters)
    assert b"expected a dev.waymark.v1.JourneyTransition" in errors
    assert analytics.get("/v1/journeys/welcome/summary")["total"]["entries"] == 2
    assert analytics.status("/readyz") == 200
    metrics = analytics.metrics()
    assert 'waymark_dlq_records_total{reason="undecodable",topic="' in metrics
