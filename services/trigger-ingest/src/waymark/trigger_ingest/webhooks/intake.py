"""Signed provider webhooks in, acknowledged DispatchOutcomes and consent events out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from waymark.core.observability.metrics import INGEST_IGNORED
from waymark.trigger_ingest.intake import parse_json
from waymark.trigger_ingest.publisher import Publisher
from waymark.trigger_ingest.records import Clock, OutgoingRecord, RecordFactory, count_accepted
from waymark.trigger_ingest.refusals import (
    Fault,
    InvalidError,
    NotFoundError,
    RefusalError,
    ReplayedError,
    faults_from_pydantic,
)
from waymark.trigger_ingest.webhooks.email_events import EmailEvents
from waymark.trigger_ingest.webhooks.mapping import ProviderMapping
from waymark.trigger_ingest.webhooks.push_events import PushEvents
from waymark.trigger_ingest.webhooks.replay import SeenSignatures
from waymark.trigger_ingest.webhooks.signature import SignatureCheck
from waymark.trigger_ingest.webhooks.sms_events import SmsEvents

__all__ = ["MAPPINGS", "WebhookIntake", "WebhookReceipt"]

MAPPINGS: Mapping[str, ProviderMapping] = {
    "email": EmailEvents(),
    "sms": SmsEvents(),
    "push": PushEvents(),
}
"""Provider name (the `{provider}` of the route, the key of its secret) -> its mapping."""


@dataclass(frozen=True, slots=True)
class WebhookReceipt:
    """What a webhook request became: records acknowledged, and events ignored."""

    accepted: int
    ignored: int


class WebhookIntake:
    """Verifies, de-duplicates, maps and publishes provider webhook requests."""

    def __init__(
        self,
        factory: RecordFactory,
        publisher: Publisher,
        signatures: SignatureCheck,
        seen: SeenSignatures,
        clock: Clock,
        *,
        max_events: int,
    ) -> None:
        """Wire the record factory, publisher, signature check, replay store and clock."""
        self._factory = factory
        self._publisher = publisher
        self._signatures = signatures
        self._seen = seen
        self._clock = clock
        self._max_events = max_events

    async def receive(
        self, provider: str, timestamp: str | None, signature: str | None, raw: bytes
    ) -> WebhookReceipt:
        """Accept one signed request: all its events are published, or none (and it may retry)."""
        mapping = MAPPINGS.get(provider)
        if mapping is None:
            raise NotFoundError(Fault("provider", f"must be one of {', '.join(MAPPINGS)}"))
        verified = self._signatures.verify(provider, timestamp, signature, raw)
        now = self._clock()
        records, ignored = self._records(mapping, provider, raw, now)
        if not await self._seen.claim(verified.replay_key, verified.expires_at):
            reason = "this signed request was already accepted; a replay is refused"
            raise ReplayedError(Fault("X-Waymark-Signature", reason, "replayed"), events=0)
        try:
            await self._publisher.publish(records)
        except BaseException:
            # Nothing was accepted: the provider's retry of this very request must go through.
            await self._seen.release(verified.replay_key)
            raise
        count_accepted(records)
        if ignored:
            INGEST_IGNORED.labels(provider=provider).inc(ignored)
        return WebhookReceipt(accepted=len(records), ignored=ignored)

    def _records(
        self, mapping: ProviderMapping, provider: str, raw: bytes, now: datetime
    ) -> tuple[list[OutgoingRecord], int]:
        document = parse_json(raw)
        items: list[Any]
        if isinstance(document, dict):
            items, prefix = [document], None
        elif isinstance(document, list):
            items, prefix = document, ""
        else:
            raise InvalidError(Fault("body", "must be an event object or an array of them"))
        if not items:
            raise InvalidError(Fault("body", "must hold at least one event"), events=0)
        if len(items) > self._max_events:
            reason = f"holds {len(items)} events; the limit is {self._max_events}"
            raise InvalidError(Fault("body", reason, "too_large"), events=len(items))
        records: list[OutgoingRecord] = []
        faults: list[Fault] = []
        ignored = 0
        for index, item in enumerate(items):
            where = "" if prefix is None else f"[{index}]"
            built = self._event(mapping, provider, item, where, now)
            if isinstance(built, RefusalError):
                faults.extend(built.faults)
            elif built:
                records.extend(built)
            else:
                ignored += 1
        if faults:
            raise InvalidError(faults, events=len(items))
        return records, ignored

    def _event(
        self, mapping: ProviderMapping, provider: str, item: Any, where: str, now: datetime
    ) -> list[OutgoingRecord] | RefusalError:
        if not isinstance(item, dict):
            return InvalidError(Fault(where or "body", "must be a JSON object"))
        try:
            event = mapping.model.model_validate(item)
            mapped = mapping.map(event, provider=provider, raw=item, received_at=now)
        except ValidationError as exc:
            return InvalidError(faults_from_pydantic(exc.errors(), where))
        except ValueError as exc:
            # Content ids hash the event as canonical JSON, which refuses out-of-range numbers.
            return InvalidError(Fault(where or "body", f"cannot be stored: {exc}"))
        if event.timestamp is not None and self._factory.too_far_ahead(event.timestamp, now):
            return InvalidError(
                self._factory.future_fault(f"{where}.timestamp" if where else "timestamp")
            )
        built: list[OutgoingRecord] = []
        for outcome in mapped.outcomes:
            record = self._factory.outcome(outcome, where, now)
            if isinstance(record, Fault):
                return InvalidError(record)
            built.append(record)
        for consent in mapped.consents:
            record = self._factory.event(consent, where)
            if isinstance(record, Fault):
                return InvalidError(record)
            built.append(record)
        return built
