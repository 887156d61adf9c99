"""Records bound for Kafka: encoded, keyed by customer id, checked against the size limit."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import prometheus_client

from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import AvroCodec, CodecError, CustomerEvent, DispatchOutcome
from waymark.core.observability.metrics import INGEST_EVENTS
from waymark.trigger_ingest.refusals import Fault

__all__ = [
    "MAX_RECORD_BYTES",
    "Clock",
    "OutgoingRecord",
    "RecordFactory",
    "count_accepted",
    "new_event_id",
    "to_millis",
]

MAX_RECORD_BYTES = 900_000
"""Under the broker's default max.message.bytes (1 MiB) with room for the batch overhead.

Events are limited far below this by their JSON size; JSON fields are stored ASCII-escaped,
which can triple unicode-heavy text, and this bound keeps even that off the broker's limit.
"""

Clock = Callable[[], datetime]
"""Now, as an aware UTC datetime; injected so tests can fix it."""

_ACCEPTED: dict[str, prometheus_client.Counter] = {}


def new_event_id() -> str:
    """An event id for a call that came without a messageId."""
    return str(uuid.uuid4())


def count_accepted(records: Sequence[OutgoingRecord]) -> None:
    """Count records the broker acknowledged, by type."""
    if len(records) == 1:
        _accepted(records[0].kind).inc()
        return
    for kind, count in Counter(record.kind for record in records).items():
        _accepted(kind).inc(count)


def _accepted(kind: str) -> prometheus_client.Counter:
    # `labels()` takes a lock and builds a key per call; the kinds are a handful.
    counter = _ACCEPTED.get(kind)
    if counter is None:
        counter = _ACCEPTED[kind] = INGEST_EVENTS.labels(type=kind)
    return counter


def to_millis(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime."""
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """One encoded record and where it goes; `kind` labels the accepted-events metric."""

    topic: str
    key: bytes
    value: bytes
    timestamp_ms: int
    kind: str
    record_id: str


class RecordFactory:
    """Turns wire models into records for the deployment's topics, or into faults."""

    def __init__(
        self,
        codec: AvroCodec,
        *,
        topic_prefix: str,
        max_future: timedelta,
        max_record_bytes: int = MAX_RECORD_BYTES,
    ) -> None:
        """`max_future` bounds the event time ahead of now; `max_record_bytes` a value's size."""
        self._codec = codec
        self._events = topic_name(Topic.EVENTS, topic_prefix)
        self._outcomes = topic_name(Topic.OUTCOMES, topic_prefix)
        self._max_bytes = max_record_bytes
        self._max_future = max_future

    def too_far_ahead(self, moment: datetime, now: datetime) -> bool:
        """Whether `moment` is further in the future than the limit allows."""
        return moment - now > self._max_future

    def future_fault(self, field: str) -> Fault:
        """The fault of a timestamp too far in the future."""
        hours = self._max_future.total_seconds() / 3600
        return Fault(field, f"is more than {hours:g} hours in the future", "future_timestamp")

    def event(self, model: CustomerEvent, where: str) -> OutgoingRecord | Fault:
        """The record of a CustomerEvent on the events topic."""
        return self._record(
            self._events,
            model,
            model.customer_id,
            model.event_id,
            where,
            model.type,
            model.received_at,
        )

    def outcome(
        self, model: DispatchOutcome, where: str, received_at: datetime
    ) -> OutgoingRecord | Fault:
        """The record of a DispatchOutcome on the outcomes topic."""
        return self._record(
            self._outcomes,
            model,
            model.customer_id,
            model.outcome_id,
            where,
            "outcome",
            received_at,
        )

    def _record(
        self,
        topic: str,
        model: CustomerEvent | DispatchOutcome,
        customer_id: str,
        record_id: str,
        where: str,
        kind: str,
        received_at: datetime,
    ) -> OutgoingRecord | Fault:
        try:
            value = self._codec.encode_model(model)
            key = customer_id.encode()
        except (CodecError, UnicodeEncodeError) as exc:
            return Fault(where or None, f"cannot be stored: {exc}")
        if len(value) > self._max_bytes:
            reason = f"is {len(value)} bytes once encoded; the limit is {self._max_bytes}"
            return Fault(where or None, reason, "too_large")
        # The record time is the time of receipt, never the event's own time: the broker refuses
        # records more than an hour ahead, and retention must not drop backfilled history.
        return OutgoingRecord(topic, key, value, to_millis(received_at), kind, record_id)
