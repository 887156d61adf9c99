"""The Kafka side of ingest: records in, an answer only once the broker acknowledged them all.

Bounded everywhere: a request waits at most `timeout` for its acknowledgements, the records
handed to the producer and not yet acknowledged are capped, and while the broker cannot be
reached requests are refused at once. A refused request may still have left records in the
producer, which delivers them when the broker is back; the client's retry carries the same
event ids, so the engine drops the copy. Nothing answered 202 is ever lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import structlog
from aiokafka.errors import KafkaError

from waymark.core.observability.metrics import (
    INGEST_EVENTS,
    INGEST_PENDING,
    INGEST_PRODUCER_CONNECTED,
    PRODUCE_LATENCY,
)

from waymark.trigger_ingest.records import OutgoingRecord
from waymark.trigger_ingest.refusals import Fault, Unavailable

__all__ = ["KafkaPublisher", "Publisher"]

_log = structlog.get_logger("waymark.trigger_ingest.publisher")
_SERVICE = "trigger-ingest"


class Publisher(Protocol):
    """Where accepted records go; `publish` returns only once every record is durable."""

    @property
    def ready(self) -> bool:
        """Whether records can be published now."""
        ...

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Publish every record or raise Unavailable; never returns before the acknowledgements."""
        ...


class KafkaPublisher:
    """Publishes through an idempotent acks=all producer, reconnecting in the background."""

    def __init__(
        self,
        producer_factory: Callable[[], Any],
        *,
        timeout: float,
        max_pending: int,
        retry_after: int,
        probe_interval: float,
    ) -> None:
        """`producer_factory` builds an unstarted AIOKafkaProducer (`durable_producer`)."""
        self._factory = producer_factory
        self._timeout = timeout
        self._max_pending = max_pending
        self._retry_after = {"Retry-After": str(retry_after)}
        self._probe_interval = probe_interval
        self._producer: Any = None
        self._connected = False
        self._pending = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """True while the producer is started and the broker answered the last probe."""
        return self._producer is not None and self._connected

    @property
    def pending(self) -> int:
        """Records handed to the producer and not yet acknowledged or failed."""
        return self._pending

    async def start(self) -> None:
        """Start connecting in the background; ingest serves (with 503s) until it is ready."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ingest-producer")

    async def wait_ready(self, timeout: float) -> bool:
        """Wait until ready, at most `timeout` seconds; whether it became ready."""
        deadline = time.monotonic() + timeout
        while not self.ready and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.ready

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Hand every record to the producer and wait, bounded, for every acknowledgement."""
        if not records:
            return
        producer = self._producer
        if producer is None or not self._connected:
            raise self._refuse("the event broker cannot be reached; retry later", "unavailable",
                               len(records))
        if self._pending + len(records) > self._max_pending:
            raise self._refuse("the producer buffer is full; retry later", "buffer_full",
                               len(records))
        self._set_pending(self._pending + len(records))
        started = time.perf_counter()
        futures: list[asyncio.Future[Any]] = []
        try:
            async with asyncio.timeout(self._timeout):
                for record in records:
                    future = await producer.send(
                        record.topic, record.value, key=record.key, timestamp_ms=record.timestamp_ms
                    )
                    future.add_done_callback(self._release_one)
                    futures.append(future)
                # asyncio.wait leaves the futures alone when the timeout cancels it: records still
                # in the producer are delivered later, and the retry carries the same ids.
                await asyncio.wait(futures)
        except TimeoutError:
            raise self._refuse(
                "the event broker did not acknowledge in time; retry later", "unavailable",
                len(records),
            ) from None
        except KafkaError as exc:
            _log.warning("produce failed", error=str(exc))
            raise self._refuse("the event broker refused the records; retry later",
                               "unavailable", len(records)) from None
        finally:
            # Records never handed over have no future to release them.
            self._set_pending(self._pending - (len(records) - len(futures)))
        failed = [f.exception() for f in futures if f.exception() is not None]
        if failed:
            _log.warning("produce failed", error=str(failed[0]), failed=len(failed))
            raise self._refuse("the event broker refused the records; retry later",
                               "unavailable", len(records))
        elapsed = time.perf_counter() - started
        for topic in {r.topic for r in records}:
            PRODUCE_LATENCY.labels(service=_SERVICE, topic=topic).observe(elapsed)
        for record in records:
            INGEST_EVENTS.labels(type=record.kind).inc()

    async def close(self, timeout: float) -> None:
        """Flush what the producer still holds, at most `timeout` seconds, then stop it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        producer, self._producer = self._producer, None
        self._set_connected(False)
        if producer is None:
            return
        try:
            await asyncio.wait_for(producer.flush(), timeout)
        except TimeoutError:
            _log.error("flush timed out at shutdown", pending=self._pending)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(producer.stop(), max(1.0, timeout / 3))

    def _refuse(self, reason: str, kind: str, events: int) -> Unavailable:
        return Unavailable(Fault(None, reason, kind), events=events, headers=self._retry_after)

    def _release_one(self, _future: asyncio.Future[Any]) -> None:
        self._set_pending(self._pending - 1)

    def _set_pending(self, value: int) -> None:
        self._pending = value
        INGEST_PENDING.set(value)

    def _set_connected(self, value: bool) -> None:
        if value != self._connected:
            _log.info("broker connection", connected=value)
        self._connected = value
        INGEST_PRODUCER_CONNECTED.set(1 if value else 0)

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            if self._producer is None:
                self._producer = await self._start_producer()
                if self._producer is None:
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                backoff = 0.2
            self._set_connected(await self._probe(self._producer))
            await asyncio.sleep(self._probe_interval)

    async def _start_producer(self) -> Any:
        producer = self._factory()
        try:
            await asyncio.wait_for(producer.start(), max(self._timeout, 5.0))
        except (KafkaError, OSError, TimeoutError) as exc:
            _log.warning("producer cannot connect", error=str(exc) or type(exc).__name__)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 5.0)
            return None
        return producer

    async def _probe(self, producer: Any) -> bool:
        # A metadata round trip: refused connections fail at once, a hung broker by the timeout.
        try:
            await asyncio.wait_for(producer.client.fetch_all_metadata(), self._timeout)
        except (KafkaError, OSError, TimeoutError):
            return False
        return True
