"""A batch of 1,000 calls arrives complete, and in order per customer."""

from __future__ import annotations

from collections import defaultdict

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.settings import KafkaSettings

from .support import decoded, read_topic, running_ingest

CUSTOMERS = 37


async def test_a_full_batch_arrives_complete_and_ordered_per_customer(
    kafka_topics: KafkaSettings,
) -> None:
    batch = [
        {
            "type": "track",
            "userId": f"c{n % CUSTOMERS}",
            "event": "step",
            "messageId": f"m{n}",
            "properties": {"seq": n},
            "timestamp": "2026-01-05T10:00:00Z",
        }
        for n in range(1000)
    ]
    async with running_ingest(kafka_topics) as ingest:
        response = await ingest.http.post("/v1/batch", json={"batch": batch})
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 1000
    assert response.json()["messageIds"] == [f"m{n}" for n in range(1000)]

    records = await read_topic(kafka_topics, Topic.EVENTS)
    values = decoded(records)
    assert sorted(v["event_id"] for v in values) == sorted(f"m{n}" for n in range(1000))
    per_customer: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for record, value in zip(records, values, strict=True):
        assert record.key == value["customer_id"].encode()
        per_customer[value["customer_id"]].append(
            (record.partition, record.offset, value["properties"]["seq"])
        )
    for customer, seen in per_customer.items():
        # One customer, one partition: its calls sit there in the order of the batch.
        assert len({partition for partition, _, _ in seen}) == 1, customer
        in_offset_order = [seq for _, _, seq in sorted(seen)]
        assert in_offset_order == sorted(in_offset_order), customer
