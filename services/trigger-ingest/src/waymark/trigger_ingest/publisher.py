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
from functools import partial
from typing import Any, Protocol

import prometheus_client
import structlog
from aiokafka.errors import KafkaError

from waymark.core.observability.metrics import (
    INGEST_PENDING,
    INGEST_PRODUCER_CONNECTED,
    PRODUCE_LATENCY,
)
from waymark.trigger_ingest.records import OutgoingRecord
from waymark.trigger_ingest.refusals import Fault, UnavailableError

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
        """Publish every record or raise UnavailableError; returns only once all are acked."""
        ...


class _Generation:
    """One producer instance and the futures of the records it still holds."""

    def __init__(self, producer: Any) -> None:
        self.producer = producer
        self.unresolved: set[asyncio.Future[Any]] = set()

    def sender_died(self) -> bool:
        """Whether the producer's background sender has ended (it then fails every send)."""
        # aiokafka's sender task ends on fatal errors (e.g. OutOfOrderSequenceNumber) and the
        # producer then fails every send; only a new producer (a new producer id) recovers.
        task = getattr(getattr(self.producer, "_sender", None), "sender_task", None)
        return task is not None and task.done()


class KafkaPublisher:
    """Publishes through an idempotent acks=all producer, reconnecting in the background.

    After any failed record the producer is replaced: aiokafka's idempotent producer keeps a
    sequence number per partition, and a failed batch leaves a gap that makes every later
    batch of that partition fail with OutOfOrderSequenceNumber. A new producer starts afresh;
    the client's retry of the refused request carries the same event ids.
    """

    def __init__(
        self,
        producer_factory: Callable[[], Any],
        *,
        timeout: float,
        max_pending: int,
        retry_after: int,
        probe_interval: float,
        required_topics: Sequence[str] = (),
    ) -> None:
        """`producer_factory` builds an unstarted AIOKafkaProducer (`durable_producer`);
        readiness also needs every topic of `required_topics` to exist."""
        self._factory = producer_factory
        self._required = tuple(required_topics)
        self._missing_reported: frozenset[str] = frozenset()
        self._timeout = timeout
        self._max_pending = max_pending
        self._retry_after = {"Retry-After": str(retry_after)}
        self._probe_interval = probe_interval
        self._generation: _Generation | None = None
        self._connected = False
        self._connected_event = asyncio.Event()
        self._wake = asyncio.Event()
        self._pending = 0
        self._task: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        self._failed_probes = 0
        self._latencies: dict[str, prometheus_client.Histogram] = {}

    @property
    def ready(self) -> bool:
        """True while a producer is started and the broker answered the last probe."""
        return self._generation is not None and self._connected

    @property
    def pending(self) -> int:
        """Records handed to the producer and not yet acknowledged or failed."""
        return self._pending

    async def start(self) -> None:
        """Start connecting in the background; ingest serves (with 503s) until it is ready."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ingest-producer")

    async def wait_ready(self, within: float) -> bool:
        """Wait until ready, at most `within` seconds; whether it became ready."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._connected_event.wait()
        return self.ready

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Hand every record to the producer and wait, bounded, for every acknowledgement."""
        if not records:
            return
        generation = self._generation
        if generation is None or not self._connected:
            raise self._refuse(
                "the event broker cannot be reached; retry later", "unavailable", records
            )
        if self._pending + len(records) > self._max_pending:
            raise self._refuse("the producer buffer is full; retry later", "buffer_full", records)
        self._set_pending(self._pending + len(records))
        started = time.perf_counter()
        futures: list[asyncio.Future[Any]] = []
        try:
            async with asyncio.timeout(self._timeout):
                for record in records:
                    future = await generation.producer.send(
                        record.topic, record.value, key=record.key, timestamp_ms=record.timestamp_ms
                    )
                    generation.unresolved.add(future)
                    future.add_done_callback(partial(self._settled, generation))
                    futures.append(future)
                # asyncio.wait leaves the futures alone when the timeout cancels it: records still
                # in the producer are delivered later, and the retry carries the same ids.
                await asyncio.wait(futures)
        except TimeoutError:
            raise self._refuse(
                "the event broker did not acknowledge in time; retry later", "unavailable", records
            ) from None
        except KafkaError as exc:
            # A timeout waiting for metadata or buffer space leaves the producer sound; a dead
            # sender or a fatal error does not.
            if generation.sender_died() or not getattr(exc, "retriable", True):
                self._retire(generation, str(exc) or type(exc).__name__)
            raise self._refuse(
                "the event broker refused the records; retry later", "unavailable", records
            ) from None
        finally:
            # Records never handed over have no future to release them.
            if len(futures) < len(records):
                self._set_pending(self._pending - (len(records) - len(futures)))
        failed = [f.exception() for f in futures if f.cancelled() or f.exception() is not None]
        if failed:
            self._retire(generation, str(failed[0]) or type(failed[0]).__name__)
            raise self._refuse(
                "the event broker refused the records; retry later", "unavailable", records
            )
        elapsed = time.perf_counter() - started
        for topic in {r.topic for r in records}:
            self._latency(topic).observe(elapsed)

    async def close(self, grace: float) -> None:
        """Flush what the producer still holds, at most `grace` seconds, then stop it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        generation, self._generation = self._generation, None
        self._set_connected(False)
        if generation is not None:
            try:
                await asyncio.wait_for(generation.producer.flush(), grace)
            except TimeoutError:
                _log.error("flush timed out at shutdown", pending=self._pending)
            except KafkaError as exc:
                _log.error("flush failed at shutdown", error=str(exc), pending=self._pending)
            await self._stop(generation, max(1.0, grace / 3))
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)

    def _latency(self, topic: str) -> prometheus_client.Histogram:
        # `labels()` takes a lock and builds a key per call; ingest writes to two topics.
        histogram = self._latencies.get(topic)
        if histogram is None:
            histogram = PRODUCE_LATENCY.labels(service=_SERVICE, topic=topic)
            self._latencies[topic] = histogram
        return histogram

    def _refuse(
        self, reason: str, kind: str, records: Sequence[OutgoingRecord]
    ) -> UnavailableError:
        return UnavailableError(
            Fault(None, reason, kind), events=len(records), headers=self._retry_after
        )

    def _settled(self, generation: _Generation, future: asyncio.Future[Any]) -> None:
        generation.unresolved.discard(future)
        self._set_pending(self._pending - 1)
        # Retrieve the outcome: a record failing after its request was answered 503 is expected
        # (the client retries it) and must not be reported as an unhandled error.
        if not future.cancelled():
            future.exception()

    def _set_pending(self, value: int) -> None:
        self._pending = value
        INGEST_PENDING.set(value)

    def _set_connected(self, value: bool) -> None:
        if value != self._connected:
            _log.info("broker connection", connected=value)
        self._connected = value
        if value:
            self._connected_event.set()
        else:
            self._connected_event.clear()
        INGEST_PRODUCER_CONNECTED.set(1 if value else 0)

    def _retire(self, generation: _Generation, cause: str) -> None:
        if self._generation is not generation:
            return
        _log.warning("replacing the producer", cause=cause)
        self._generation = None
        self._set_connected(False)
        self._wake.set()
        task = asyncio.create_task(self._stop(generation, self._timeout))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _stop(self, generation: _Generation, grace: float) -> None:
        producer = generation.producer
        try:
            await asyncio.wait_for(producer.stop(), grace)
        except (KafkaError, OSError, TimeoutError) as exc:
            _log.warning("producer did not stop cleanly", error=str(exc) or type(exc).__name__)
            # stop() waits for the buffer to drain, which an unreachable broker never allows;
            # end the sender and the client so no background task outlives the producer.
            task = getattr(getattr(producer, "_sender", None), "sender_task", None)
            if task is not None:
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.client.close(), 5.0)
        # A stopped producer settles nothing more: release what it still held (the requests
        # were answered 503 and their clients retry).
        for future in list(generation.unresolved):
            if not future.done():
                future.set_exception(KafkaError("producer stopped before the acknowledgement"))

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            if self._generation is None:
                producer = await self._start_producer()
                if producer is None:
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                self._generation = _Generation(producer)
                backoff = 0.2
            generation = self._generation
            if generation.sender_died():
                self._retire(generation, "the producer's sender stopped")
                continue
            connected = await self._probe(generation.producer)
            self._set_connected(connected)
            self._failed_probes = 0 if connected else self._failed_probes + 1
            if self._failed_probes >= 2 and generation.unresolved:
                # aiokafka refreshes metadata in a tight loop while records wait for a broker
                # that is gone; their requests are answered 503, so let those records go.
                self._retire(generation, "the broker is unreachable with records pending")
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._probe_interval):
                    await self._wake.wait()

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
            cluster = await asyncio.wait_for(producer.client.fetch_all_metadata(), self._timeout)
        except (KafkaError, OSError, TimeoutError):
            return False
        # Topics are never created on the fly: without them every send would wait and time out.
        missing = frozenset(t for t in self._required if t not in cluster.topics())
        if missing and missing != self._missing_reported:
            _log.error("topics missing; run `waymark topics ensure`", topics=sorted(missing))
        self._missing_reported = missing
        return not missing
