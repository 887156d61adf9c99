"""Segment-style calls in, acknowledged CustomerEvents out: the events half of ingest."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import pydantic_core
from pydantic import ValidationError

from waymark.core.contracts import CustomerEvent
from waymark.trigger_ingest.calls import (
    BATCH_TYPES,
    ConsentCall,
    IdentifyCall,
    TrackCall,
    TriggerCall,
)
from waymark.trigger_ingest.publisher import Publisher
from waymark.trigger_ingest.records import (
    Clock,
    OutgoingRecord,
    RecordFactory,
    count_accepted,
    new_event_id,
)
from waymark.trigger_ingest.refusals import Fault, InvalidError, faults_from_pydantic

__all__ = ["CallKind", "EventIntake", "parse_json"]

CallKind = Literal["identify", "track", "consent", "api_trigger"]
_MODELS: Mapping[CallKind, type[IdentifyCall | TrackCall | ConsentCall | TriggerCall]] = {
    "identify": IdentifyCall,
    "track": TrackCall,
    "consent": ConsentCall,
    "api_trigger": TriggerCall,
}
_AnyCall = IdentifyCall | TrackCall | ConsentCall | TriggerCall
_BATCH_KINDS: Mapping[str, CallKind] = {
    "identify": "identify",
    "track": "track",
    "consent": "consent",
}


def parse_json(raw: bytes, *, events: int = 1) -> Any:
    """The JSON document of a body, or InvalidError naming the position of the syntax error."""
    try:
        # NaN and Infinity are not JSON: downstream readers in other languages choke on them.
        return pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise InvalidError(Fault("body", f"is not valid JSON: {exc}"), events=events) from None


def _where(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class EventIntake:
    """Validates calls, encodes them as CustomerEvents and publishes them all or none."""

    def __init__(
        self,
        factory: RecordFactory,
        publisher: Publisher,
        clock: Clock,
        *,
        max_batch_events: int,
        max_event_bytes: int,
    ) -> None:
        """Wire the record factory, the publisher and the clock, and the batch limits."""
        self._factory = factory
        self._publisher = publisher
        self._clock = clock
        self._max_batch = max_batch_events
        self._max_event_bytes = max_event_bytes

    async def call(
        self, kind: CallKind, raw: bytes, *, source: str, journey_id: str | None = None
    ) -> list[str]:
        """Accept one call: its event id once the broker has it (else Invalid/UnavailableError)."""
        document = parse_json(raw)
        if not isinstance(document, dict):
            raise InvalidError(Fault("body", "must be a JSON object"))
        try:
            call = _MODELS[kind].model_validate(document)
        except ValidationError as exc:
            raise InvalidError(faults_from_pydantic(exc.errors())) from None
        built = self._build(call, kind, source, self._clock(), "", journey_id, None)
        if isinstance(built, list):
            raise InvalidError(built)
        await self._publisher.publish([built])
        count_accepted([built])
        return [built.record_id]

    async def batch(self, raw: bytes, *, source: str) -> list[str]:
        """Accept every call of a batch, in order, or none of them (400 naming each bad one)."""
        document = parse_json(raw)
        if not isinstance(document, dict):
            raise InvalidError(Fault("body", "must be a JSON object with a batch array"))
        items = document.get("batch")
        if not isinstance(items, list):
            raise InvalidError(Fault("batch", "is required and must be an array of calls"))
        if not items:
            raise InvalidError(Fault("batch", "must hold at least one call"), events=0)
        if len(items) > self._max_batch:
            reason = f"holds {len(items)} calls; the limit is {self._max_batch}"
            raise InvalidError(Fault("batch", reason, "too_large"), events=len(items))
        shared = document.get("context")
        if shared is not None and not isinstance(shared, dict):
            raise InvalidError(Fault("context", "must be a JSON object"), events=len(items))
        now = self._clock()
        records: list[OutgoingRecord] = []
        faults: list[Fault] = []
        for index, item in enumerate(items):
            built = self._batch_item(index, item, source, now, shared)
            if isinstance(built, list):
                faults.extend(built)
            else:
                records.append(built)
        if faults:
            raise InvalidError(faults, events=len(items))
        await self._publisher.publish(records)
        count_accepted(records)
        return [r.record_id for r in records]

    def _batch_item(
        self, index: int, item: Any, source: str, now: datetime, shared: dict[str, Any] | None
    ) -> OutgoingRecord | list[Fault]:
        where = f"batch[{index}]"
        if not isinstance(item, dict):
            return [Fault(where, "must be a JSON object")]
        # An event's size is its compact UTF-8 JSON, the same measure as a single call's body.
        size = len(pydantic_core.to_json(item))
        if size > self._max_event_bytes:
            reason = f"is {size} bytes as JSON; the limit is {self._max_event_bytes}"
            return [Fault(where, reason, "too_large")]
        type_name = item.get("type")
        kind = _BATCH_KINDS.get(type_name) if isinstance(type_name, str) else None
        if kind is None:
            return [Fault(f"{where}.type", f"must be one of {', '.join(BATCH_TYPES)}")]
        try:
            call = BATCH_TYPES[kind].model_validate(item)
        except ValidationError as exc:
            return faults_from_pydantic(exc.errors(), where)
        return self._build(call, kind, source, now, where, None, shared)

    def _build(
        self,
        call: _AnyCall,
        kind: CallKind,
        source: str,
        now: datetime,
        where: str,
        journey_id: str | None,
        shared: dict[str, Any] | None,
    ) -> OutgoingRecord | list[Fault]:
        faults: list[Fault] = []
        customer = call.user_id if call.user_id is not None else call.anonymous_id
        if customer is None:
            faults.append(Fault(_where(where, "userId"), "userId or anonymousId is required"))
        timestamp = call.timestamp or now
        if self._factory.too_far_ahead(timestamp, now):
            faults.append(self._factory.future_fault(_where(where, "timestamp")))
        if faults or customer is None:
            return faults
        context = {**shared, **(call.context or {})} if shared else call.context
        event = CustomerEvent(
            # Idempotency guard: a client's messageId is kept as is, so a retried call carries
            # the id the engine dedupes on.
            event_id=call.message_id or new_event_id(),
            customer_id=customer,
            type=kind,
            name=call.event if isinstance(call, TrackCall) else None,
            properties=call.properties if isinstance(call, TrackCall | TriggerCall) else {},
            traits=call.traits if isinstance(call, IdentifyCall) else {},
            channel=call.channel if isinstance(call, ConsentCall) else None,
            granted=call.granted if isinstance(call, ConsentCall) else None,
            journey_id=journey_id,
            timestamp=timestamp,
            received_at=now,
            source=source,
            context=context or None,
        )
        built = self._factory.event(event, where)
        return [built] if isinstance(built, Fault) else built
