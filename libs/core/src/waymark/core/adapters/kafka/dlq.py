"""Dead-letter records: the raw bytes of an input that cannot be processed, with its cause."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
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
