"""A record of the journeys topic the worker cannot use (not Avro, another schema, a definition
that does not parse) goes to `<journeys topic>.dlq` with its cause, once; the catalog goes on
with the next record, at start-up and live, and a restart writes no second letter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from waymark.core.adapters.kafka.dlq import dlq_topic
from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import CustomerEvent, SendCommand

from .harness import Bus, Reader

pytestmark = pytest.mark.timeout(180)


def _journey(journey_id: str, event: str) -> dict[str, Any]:
    return {
        "id": journey_id,
        "name": journey_id,
        "type": "transactional",
        "trigger": {"event": event},
        "milestones": [
            {
                "id": "only",
                "steps": [{"id": "send", "send": {"channel": "email", "template": journey_id}}],
            }
        ],
    }


async def _letters(bus: Bus) -> list[tuple[dict[str, bytes], bytes | None, bytes | None]]:
    """(headers, key, value) of every letter of the journeys topic's DLQ, read to its end."""
    name = dlq_topic(bus.topic(Topic.JOURNEYS))
    consumer = AIOKafkaConsumer(bootstrap_servers=bus.kafka.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(name, p) for p in range(bus.kafka.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found = []
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found += [(dict(r.headers), r.key, r.value) for r in records]
        return found
    finally:
        await consumer.stop()


def _sent(records: list[Any], journey_id: str) -> bool:
    return any(isinstance(r, SendCommand) and r.journey_id == journey_id for r in records)


async def test_bad_catalog_records_are_dead_lettered_once_and_the_catalog_goes_on(
    bus: Bus, make_worker: Any
) -> None:
    journeys = bus.topic(Topic.JOURNEYS)
    not_avro = b"not avro at all"
    # Offset 0: no wire format; 1: a valid record of another schema; 2: a valid journey.
    await bus.producer.send_and_wait(journeys, not_avro, key=b"broken/1")
    other = CustomerEvent(
        customer_id="c0",
        type="identify",
        timestamp=datetime.now(UTC),
        received_at=datetime.now(UTC),
        event_id="e0",
    )
    await bus.producer.send_and_wait(journeys, bus.codec.encode_model(other), key=b"event/1")
    await bus.publish_journey(_journey("before", "go-before"))
    worker = make_worker()
    await worker.wait_ready()

    # Live: a version whose definition does not parse (offset 3), then another valid one.
    await bus.publish_journey({"id": "unparseable", "name": "x", "milestones": "none"})
    await bus.publish_journey(_journey("after", "go-after"))
    async with Reader(bus.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane:
        await bus.event("c1", "identify", traits={"email": "c1@example.com"})
        await bus.event("c1", "track", name="go-before")
        await lane.until(lambda r: _sent(r, "before"), what="the journey after the garbage")
        await bus.event("c1", "track", name="go-after")
        await lane.until(lambda r: _sent(r, "after"), what="the journey after the bad definition")

    letters = await _letters(bus)
    by_offset = {int(headers["waymark.dlq.offset"]): (headers, v) for headers, _, v in letters}
    assert sorted(by_offset) == [0, 1, 3], letters
    garbage, garbage_value = by_offset[0]
    assert garbage_value == not_avro
    assert garbage["waymark.dlq.topic"] == journeys.encode()
    assert garbage["waymark.dlq.partition"] == b"0"
    assert garbage["waymark.dlq.reason"] == b"codec"
    assert b"CodecError" in garbage["waymark.dlq.error"]
    schema, _ = by_offset[1]
    assert schema["waymark.dlq.reason"] == b"codec"
    assert b"expected a dev.waymark.v1.JourneyVersion" in schema["waymark.dlq.error"]
    definition, _ = by_offset[3]
    assert definition["waymark.dlq.reason"] == b"definition"
    assert b"milestones" in definition["waymark.dlq.error"]
    metrics = worker.metrics()
    assert f'waymark_dlq_records_total{{reason="codec",topic="{journeys}"}} 2.0' in metrics
    assert f'waymark_dlq_records_total{{reason="definition",topic="{journeys}"}} 1.0' in metrics

    # The worker reads the catalog from its beginning at every start: no letter twice.
    worker.stop()
    worker.start()
    await worker.wait_ready()
    assert sorted(int(h["waymark.dlq.offset"]) for h, _, _ in await _letters(bus)) == [0, 1, 3]
    assert "waymark_dlq_records_total{" not in worker.metrics()
