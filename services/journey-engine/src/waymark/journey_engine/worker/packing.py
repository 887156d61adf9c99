"""Producing many records at once: packed into one batch per partition, every ack awaited."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any, NamedTuple

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

__all__ = ["PARTITIONER", "Out", "PackedSender"]

PARTITIONER = DefaultPartitioner()
"""The partitioner every producer of the input topics uses (murmur2 of the key, as in Java),
so a tick lands on the partition of its customer's other inputs."""


class Out(NamedTuple):
    """One record to produce: physical topic, partition (None: by key), key, value, headers."""

    topic: str
    partition: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


class PackedSender:
    """Sends records through `producer` as full batches, one per partition.

    A burst of 100,000 records costs an append each rather than a full `send()`; the
    partition of a keyed record is the default partitioner's, remembered per key.
    """

    def __init__(self, producer: AIOKafkaProducer, memo_size: int = 500_000) -> None:
        self._producer = producer
        self._partitions: dict[str, list[int]] = {}
        self._memo: dict[tuple[bytes, int], int] = {}
        self._memo_size = memo_size

    async def send_all(self, records: Iterable[Out]) -> dict[tuple[str, int], int]:
        """Produce every record and wait for every acknowledgement.

        Returns the offset of the last record written per (topic, partition).
        """
        producer = self._producer
        batches: dict[tuple[str, int], Any] = {}
        acks: list[tuple[tuple[str, int], int, Awaitable[Any]]] = []
        for record in records:
            partition = record.partition
            if partition is None:
                every = self._partitions.get(record.topic)
                if every is None:
                    every = sorted(await producer.partitions_for(record.topic))
                    self._partitions[record.topic] = every
                partition = self._partition_of(record.key, every)
            where = (record.topic, partition)
            batch = batches.get(where)
            if batch is None:
                batch = batches[where] = producer.create_batch()
            if not _append(batch, record):
                acks.append((where, batch.record_count(), await self._send(batch, where)))
                batch = batches[where] = producer.create_batch()
                _append(batch, record)
        for where, batch in batches.items():
            acks.append((where, batch.record_count(), await self._send(batch, where)))
        results = await asyncio.gather(*(ack for _, _, ack in acks))
        last: dict[tuple[str, int], int] = {}
        for (where, count, _), meta in zip(acks, results, strict=True):
            last[where] = max(last.get(where, -1), meta.offset + count - 1)
        return last

    def _partition_of(self, key: bytes | None, every: list[int]) -> int:
        if key is None:
            return int(PARTITIONER(key, every, every))
        memo = self._memo
        found = memo.get((key, len(every)))
        if found is None:
            if len(memo) >= self._memo_size:
                memo.clear()
            found = memo[(key, len(every))] = PARTITIONER(key, every, every)
        return found

    async def _send(self, batch: Any, where: tuple[str, int]) -> Any:
        return await self._producer.send_batch(batch, where[0], partition=where[1])


def _append(batch: Any, record: Out) -> bool:
    meta = batch.append(
        key=record.key, value=record.value, timestamp=None, headers=list(record.headers)
    )
    return meta is not None
