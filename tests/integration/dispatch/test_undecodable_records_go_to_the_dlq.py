"""A record that is not a SendCommand goes to the DLQ with its cause; the lane goes on."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    Outcomes,
    command,
    dispatch_settings,
    lane_topic,
    produce,
    produce_raw,
    running,
    store_templates,
    template,
)


async def test_garbage_goes_to_the_dlq_and_the_next_command_is_sent(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, template("receipt"))
    topic = lane_topic(kafka_topics, "transactional")
    good = command(1)
    settings = dispatch_settings(sinks, unique)
    async with Outcomes(kafka_topics) as outcomes, running(settings, kafka_topics, mongo_settings):
        await produce_raw(kafka_topics, topic, b"\x00\x00\x00\x00\x01not avro", key=b"c1")
        await produce(kafka_topics, [good])
        await outcomes.count(1)

    assert [o.command_id for o in outcomes.seen] == [good.command_id]
    assert len(sinks.mail.messages) == 1
    consumer = AIOKafkaConsumer(
        f"{topic}.dlq",
        bootstrap_servers=kafka_topics.bootstrap,
        auto_offset_reset="earliest",
        group_id=f"dlq-{unique}",
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=5000)
    finally:
        await consumer.stop()
    records = [r for rs in batch.values() for r in rs]
    assert len(records) == 1
    headers = dict(records[0].headers)
    assert records[0].value == b"\x00\x00\x00\x00\x01not avro"
    assert headers["waymark.dlq.reason"] == b"undecodable"
    assert b"unknown schema id" in headers["waymark.dlq.error"]
