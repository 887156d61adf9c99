"""10,000 malformed records on each input topic: every one lands in its topic's DLQ, once per
consumer that reads the topic, with the cause; every consumer stays alive and still serves
real customers afterwards."""

from __future__ import annotations

import asyncio
import random
import struct
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from waymark.core.adapters.kafka.dlq import dlq_topic
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import CustomerEvent

from .counting import Observer, check_analytics, check_guarantee, settle_consumers
from .processes import Platform
from .scenario import CODEC, GroundTruth, Traffic, prepare

pytestmark = pytest.mark.timeout(600)

PER_TOPIC = 10_000
# Each input topic and the services that read it (each writes its own DLQ copy).
READERS: dict[Topic, tuple[str, ...]] = {
    Topic.EVENTS: ("worker", "analytics"),
    Topic.OUTCOMES: ("worker", "analytics"),
    Topic.TICKS: ("worker",),
    Topic.TRANSITIONS: ("analytics",),
    Topic.COMMANDS_TRANSACTIONAL: ("dispatch",),
    Topic.COMMANDS_MARKETING: ("dispatch",),
}


def _malformed(n: int, rng: random.Random) -> bytes | None:
    """Record number `n` of the flood: every kind of bad value a producer can write."""
    now = datetime.now(UTC)
    valid = CODEC.encode_model(
        CustomerEvent(
            customer_id=f"m{n}",
            type="track",
            timestamp=now,
            received_at=now,
            event_id=f"m{n}",
            name="clicked",
        )
    )
    kinds: list[bytes | None] = [
        None,  # a tombstone on a topic that is not compacted
        b"",
        rng.randbytes(rng.randint(1, 64)),  # no wire-format header
        b"\x00" + struct.pack(">I", 900_000 + n % 1000) + rng.randbytes(16),  # unknown schema id
        valid[: max(6, len(valid) // 2)],  # truncated body
        valid + b"\x00\x01",  # trailing bytes
        b"\x01" + valid[1:],  # wrong magic byte
    ]
    return kinds[n % len(kinds)]


async def _flood(platform: Platform, topic: Topic, rng: random.Random) -> None:
    name = topic_name(topic, platform.kafka.topic_prefix)
    producer = AIOKafkaProducer(
        bootstrap_servers=platform.kafka.bootstrap, acks="all", linger_ms=20
    )
    await producer.start()
    try:
        for start in range(0, PER_TOPIC, 1000):
            acks = [
                await producer.send(name, _malformed(n, rng), key=f"m{n}".encode())
                for n in range(start, start + 1000)
            ]
            await asyncio.gather(*acks)
    finally:
        await producer.stop()


async def _dlq_counts(platform: Platform) -> dict[Topic, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=platform.kafka.bootstrap)
    await consumer.start()
    try:
        counts: dict[Topic, int] = {}
        for topic in READERS:
            name = dlq_topic(topic_name(topic, platform.kafka.topic_prefix))
            tps = [TopicPartition(name, p) for p in range(platform.kafka.partitions)]
            counts[topic] = sum((await consumer.end_offsets(tps)).values())
        return counts
    finally:
        await consumer.stop()


async def _read_dlq(platform: Platform, topic: Topic) -> list[dict[str, str]]:
    """The headers of every record of a topic's DLQ."""
    name = dlq_topic(topic_name(topic, platform.kafka.topic_prefix))
    consumer = AIOKafkaConsumer(
        bootstrap_servers=platform.kafka.bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = [TopicPartition(name, p) for p in range(platform.kafka.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: list[dict[str, str]] = []
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batch.values():
                found += [{k: v.decode() for k, v in r.headers} for r in records]
        return found
    finally:
        await consumer.stop()


async def test_malformed_floods_end_in_dlqs_and_consumers_live_on(
    make_platform: Callable[..., Platform], kafka_bootstrap: str, mongo_url: str, unique: str
) -> None:
    platform = make_platform(kafka_bootstrap, mongo_url)
    await prepare(platform.kafka, platform.mongo_url, platform.database)
    await platform.start()
    rng = random.Random(unique)
    began = time.monotonic()
    await asyncio.gather(*(_flood(platform, topic, rng) for topic in READERS))
    flooded_in = time.monotonic() - began

    wanted = {topic: PER_TOPIC * len(readers) for topic, readers in READERS.items()}
    deadline = time.monotonic() + 300
    while (counts := await _dlq_counts(platform)) != wanted:
        assert all(counts[t] <= wanted[t] for t in READERS), f"more DLQ records: {counts}"
        assert not platform.dead(), f"died under the flood: {platform.dead()}"
        assert time.monotonic() < deadline, f"DLQ records (found, wanted): {counts}, {wanted}"
        await asyncio.sleep(1)
    drained_in = time.monotonic() - began

    print(f"\ninjected: {PER_TOPIC} malformed records on each of {[t.value for t in READERS]}")
    print(f"flooded in {flooded_in:.0f} s; every DLQ complete {drained_in:.0f} s after the start")
    for topic, readers in READERS.items():
        headers = await _read_dlq(platform, topic)
        source = topic_name(topic, platform.kafka.topic_prefix)
        copies = Counter(
            (h["waymark.dlq.partition"], h["waymark.dlq.offset"])
            for h in headers
            if h.get("waymark.dlq.topic") == source
        )
        reasons = Counter(h.get("waymark.dlq.reason") for h in headers)
        print(f"{topic.value}.dlq: {len(headers)} records, reasons {dict(reasons)}")
        assert len(copies) == PER_TOPIC, f"{topic}: {len(copies)} source records in the DLQ"
        assert set(copies.values()) == {len(readers)}, f"{topic}: copies {Counter(copies.values())}"
        assert all(h.get("waymark.dlq.reason") and h.get("waymark.dlq.error") for h in headers)

    # Alive: the same processes, and they still serve real customers end to end.
    assert [s.starts for s in platform.services.values()] == [1] * len(platform.services)
    assert not platform.dead(), f"services that died: {platform.dead()}"
    truth = GroundTruth.make(unique, 6)
    async with Observer(platform.kafka, platform.sink_url) as observer:
        await Traffic(platform.ingest_url, truth, per_second=3).run()
        counted = await observer.settled(truth, within=120)
    check_guarantee(truth, counted)
    await settle_consumers(platform.kafka, platform.token)
    await check_analytics(platform["analytics"].url, truth, counted)
    print(f"afterwards, real customers: {counted.summary()}")
