"""Dead-letter records: the raw bytes of an input that cannot be processed, with its cause."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord

from waymark.core.observability.metrics import DLQ_RECORDS

__all__ = ["DeadLetter", "DeadLetterWriter", "dlq_topic"]


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of `topic`."""
    return f"{topic}.dlq"


@dataclass(frozen=True)
class DeadLetter:
    """What a DLQ record carries: where the input came from and why it was refused."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    reason: str
    error: str

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers naming the source position and the cause."""
        return [
            ("waymark.dlq.topic", self.topic.encode()),
            ("waymark.dlq.partition", str(self.partition).encode()),
            ("waymark.dlq.offset", str(self.offset).encode()),
            ("waymark.dlq.reason", self.reason.encode()),
            ("waymark.dlq.error", self.error.encode()[:4096]),
        ]


class DeadLetterWriter:
    """Writes refused inputs to `<topic>.dlq` and waits for the broker's acknowledgement."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def write(self, record: ConsumerRecord[bytes, bytes], reason: str, error: str) -> None:
        """Send `record` unchanged to its DLQ with `reason` (a short class) and `error` (detail)."""
        letter = DeadLetter(
            record.topic, record.partition, record.offset, record.key, record.value, reason, error
        )
        # Acknowledged before the source offset may be committed: nothing accepted is lost.
        await self._producer.send_and_wait(
            dlq_topic(record.topic), letter.value, key=letter.key, headers=letter.headers()
        )
        DLQ_RECORDS.labels(topic=record.topic, reason=reason).inc()

    async def written(self, consumer: AIOKafkaConsumer, topic: str) -> set[tuple[int, int]]:
        """(partition, offset) of every record of `topic` that its DLQ holds now.

        For a consumer that reads a topic from its beginning at every start (the journeys
        catalog), so a record already dead-lettered is not written again. `consumer` is
        started and group-less; it is left assigned to the DLQ's partitions.
        """
        dlq = dlq_topic(topic)
        # The producer's metadata, not the consumer's: a group-less consumer knows only the
        # topics it was asked about.
        tps = [TopicPartition(dlq, p) for p in sorted(await self._producer.partitions_for(dlq))]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        source = topic.encode()
        found: set[tuple[int, int]] = set()
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            for records in (await consumer.getmany(*tps, timeout_ms=200)).values():
                for record in records:
                    headers = dict(record.headers)
                    if headers.get("waymark.dlq.topic") != source:
                        continue
                    try:
                        partition = int(headers["waymark.dlq.partition"])
                        found.add((partition, int(headers["waymark.dlq.offset"])))
                    except (KeyError, ValueError):  # not a letter of ours: it names no position
                        continue
        return found
