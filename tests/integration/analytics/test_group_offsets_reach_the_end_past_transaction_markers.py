"""Outcomes written in Kafka transactions (as channel-dispatch writes them) end each partition
with a commit marker no consumer receives: analytics still commits its group's offsets to the
very end, so group lag reads zero once everything is counted."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import DispatchOutcome

from .support import CODEC, AnalyticsProcess, Records, wait_caught_up


def _sent(customer: str) -> DispatchOutcome:
    return DispatchOutcome(
        outcome_id=f"o-{customer}",
        command_id=f"cmd-{customer}",
        customer_id=customer,
        journey_id="welcome",
        journey_version=1,
        entry_id=f"e-{customer}",
        step_id="hello",
        channel="email",
        status="sent",
        provider="smtp",
        at=datetime.now(UTC),
    )


async def test_committed_offsets_pass_the_last_commit_marker(
    kafka_topics: Any, make_analytics: Callable[..., AnalyticsProcess]
) -> None:
    analytics = make_analytics()
    await analytics.wait_ready()
    async with Records(kafka_topics) as records:
        await records.journey({"id": "welcome", "name": "Welcome", "milestones": []})
    topic = topic_name(Topic.OUTCOMES, kafka_topics.topic_prefix)
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_topics.bootstrap,
        transactional_id=f"outcomes-{uuid.uuid4().hex[:8]}",
        enable_idempotence=True,
    )
    await producer.start()
    try:
        # One transaction per customer: every partition that gets a record ends on a marker.
        for customer in ("c1", "c2", "c3", "c4", "c5", "c6"):
            async with producer.transaction():
                await producer.send_and_wait(
                    topic, CODEC.encode_model(_sent(customer)), key=customer.encode()
                )
    finally:
        await producer.stop()

    await wait_caught_up(kafka_topics, analytics.group_id, within=30)
    messages = analytics.get("/v1/journeys/welcome/messages")
    assert messages["total"]["sent"] == 6
