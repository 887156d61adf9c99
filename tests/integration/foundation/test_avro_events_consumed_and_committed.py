"""Avro CustomerEvents in the Confluent format: consumed by a group, committed, resumed after a
restart from the committed offset; a corrupt record gives the typed codec error and a DLQ record."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from waymark.core.adapters.kafka.clients import durable_producer, manual_commit_consumer
from waymark.core.adapters.kafka.dlq import DeadLetterWriter, dlq_topic
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import AvroCodec, CodecError, CustomerEvent

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def _event(i: int) -> CustomerEvent:
    return CustomerEvent(
        event_id=f"evt-{i}",
        customer_id=f"c{i % 4}",
        type="track",
        name="signed_up",
        properties={"source": "web", "n": i, "nested": {"tags": ["a", "b"]}},
        timestamp=T0 + timedelta(seconds=i),
        received_at=T0 + timedelta(seconds=i, milliseconds=5),
    )


async def _take(consumer: AIOKafkaConsumer, count: int) -> list[Any]:
    records: list[Any] = []
    async with asyncio.timeout(30):
        while len(records) < count:
            batch = await consumer.getmany(timeout_ms=500, max_records=count - len(records))
            for part in batch.values():
                records.extend(part)
    return records


async def test_group_commits_and_resumes_from_committed_offset(
    kafka_topics: Any, unique: str
) -> None:
    codec = AvroCodec.static()
    topic = topic_name(Topic.EVENTS, kafka_topics.topic_prefix)
    sent = [_event(i) for i in range(20)]
    producer = durable_producer(kafka_topics)
    await producer.start()
    try:
        for event in sent:
            await producer.send_and_wait(
                topic, codec.encode_model(event), key=event.customer_id.encode()
            )
    finally:
        await producer.stop()

    group = f"g-{unique}"
    first = manual_commit_consumer(kafka_topics, topic, group_id=group)
    await first.start()
    try:
        records = await _take(first, 8)
        for record in records:
            assert record.value[0] == 0  # Confluent magic byte
        await first.commit()
        consumed_first = {codec.decode_as(r.value, CustomerEvent).event_id for r in records}
    finally:
        await first.stop()

    # A new member of the same group starts where the first one committed.
    second = manual_commit_consumer(kafka_topics, topic, group_id=group)
    await second.start()
    try:
        rest = await _take(second, len(sent) - len(consumed_first))
        decoded = [codec.decode_as(r.value, CustomerEvent) for r in rest]
        await second.commit()
    finally:
        await second.stop()

    assert consumed_first.isdisjoint(e.event_id for e in decoded)
    assert consumed_first | {e.event_id for e in decoded} == {e.event_id for e in sent}
    by_id = {e.event_id: e for e in sent}
    for event in decoded:
        assert event == by_id[event.event_id]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\x01\x00\x00\x00\x01hello", "magic"),
        (b"\x00\x7f\xff\xff\xf0\x02", "unknown schema id"),
        (b"\x00", "short"),
    ],
)
async def test_corrupt_record_raises_codec_error_and_goes_to_dlq(
    kafka_topics: Any, unique: str, value: bytes, reason: str
) -> None:
    codec = AvroCodec.static()
    topic = topic_name(Topic.EVENTS, kafka_topics.topic_prefix)
    good = codec.encode_model(_event(1))
    producer = durable_producer(kafka_topics)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"c1", partition=0)
        await producer.send_and_wait(topic, good[:-3], key=b"c1", partition=0)
        consumer = manual_commit_consumer(kafka_topics, topic, group_id=f"g-{unique}")
        await consumer.start()
        try:
            records = await _take(consumer, 2)
            dlq = DeadLetterWriter(producer)
            errors = []
            for record in records:
                with pytest.raises(CodecError) as caught:
                    codec.decode(record.value)
                errors.append(str(caught.value))
                await dlq.write(record, "codec", str(caught.value))
            await consumer.commit()
        finally:
            await consumer.stop()
    finally:
        await producer.stop()

    assert reason in errors[0].lower()
    assert "truncated" in errors[1].lower() or "corrupt" in errors[1].lower()

    reader = AIOKafkaConsumer(
        bootstrap_servers=kafka_topics.bootstrap, auto_offset_reset="earliest"
    )
    await reader.start()
    try:
        reader.assign([TopicPartition(dlq_topic(topic), p) for p in range(kafka_topics.partitions)])
        dead = await _take(reader, 2)
    finally:
        await reader.stop()
    assert [d.value for d in dead] == [value, good[:-3]]
    headers = dict(dead[0].headers)
    assert headers["waymark.dlq.reason"] == b"codec"
    assert headers["waymark.dlq.topic"] == topic.encode()
    assert reason in headers["waymark.dlq.error"].decode().lower()
