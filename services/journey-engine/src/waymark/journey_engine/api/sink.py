"""The API's Kafka producer as a record sink that may start before the broker answers.

The API serves from its start, broker or not, so `/readyz` can say what is missing instead of
the process exiting into a crash loop. Until the producer has reached the broker, a send is
refused at once (a TransientError: the request answers 503, MongoDB keeps what it wrote and
the republish pass puts it on the topic later).
"""

from __future__ import annotations

import asyncio

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from waymark.core.adapters.readiness import cause_of
from waymark.core.errors import TransientError

__all__ = ["ProducerSink"]

_log = structlog.get_logger("waymark.journey_engine.api")

_CONNECT_RETRY_S = (0.5, 10.0)
"""First and longest pause between attempts to reach the broker."""


class ProducerSink:
    """Sends through `producer` once it has reached the broker; refuses until then."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        """`producer` is not started yet: `connect` starts it."""
        self.producer = producer
        self.connected = False

    async def connect(self) -> bool:
        """One attempt to start the producer; whether it is started now."""
        if not self.connected:
            try:
                await self.producer.start()
            except (KafkaError, OSError) as exc:
                _log.warning("kafka_unavailable", error=cause_of(exc))
                return False
            self.connected = True
        return True

    async def keep_connecting(self) -> None:
        """Try until the producer is started, pausing longer each time."""
        pause = _CONNECT_RETRY_S[0]
        while not await self.connect():
            await asyncio.sleep(pause)
            pause = min(pause * 2, _CONNECT_RETRY_S[1])

    async def send_and_wait(self, topic: str, value: bytes, key: bytes) -> object:
        """Send one record and return once the broker acknowledged it."""
        if not self.connected:
            raise TransientError("the broker has not been reached since the API started")
        return await self.producer.send_and_wait(topic, value=value, key=key)
