"""What every provider mapping shares: the send metadata echoed back, ids, times, results.

Channel-dispatch attaches the send's metadata to each message (SendGrid-style custom args,
a status-callback payload, push data); the provider echoes it back at the top level of each
event, which is how an outcome finds its customer, command, journey and step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, WithJsonSchema

from waymark.core.contracts import Channel, CustomerEvent, DispatchOutcome, OutcomeStatus
from waymark.core.contracts.json_text import canonical_json
from waymark.trigger_ingest.calls import Identifier, Name, not_before_epoch

__all__ = [
    "Instant",
    "Mapped",
    "ProviderMapping",
    "SendMetadata",
    "content_id",
]

_AVRO_INT_MAX = 2**31 - 1


def _instant(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be seconds since the epoch or an ISO-8601 date-time")
    if isinstance(value, int | float):
        if not 0 <= value < 10**11:
            raise ValueError("must be seconds since the epoch (not milliseconds)")
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("is not an ISO-8601 date-time") from None
        return not_before_epoch(parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC))
    raise ValueError("must be seconds since the epoch or an ISO-8601 date-time")


Instant = Annotated[
    datetime,
    BeforeValidator(_instant),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "format": "date-time"}]}),
]


class SendMetadata(BaseModel):
    """The send's metadata as dispatch attached it; `customer_id` is always required."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=False)

    customer_id: Identifier
    command_id: Name | None = None
    journey_id: Name | None = None
    journey_version: Annotated[int, Field(strict=True, ge=0, le=_AVRO_INT_MAX)] | None = None
    entry_id: Name | None = None
    step_id: Name | None = None
    test: StrictBool = False
    timestamp: Instant | None = None

    def outcome(
        self,
        *,
        outcome_id: str,
        provider: str,
        channel: Channel,
        status: OutcomeStatus,
        received_at: datetime,
        reason: str | None = None,
        provider_message_id: str | None = None,
    ) -> DispatchOutcome:
        """The DispatchOutcome this event reports."""
        return DispatchOutcome(
            outcome_id=outcome_id,
            command_id=self.command_id,
            customer_id=self.customer_id,
            journey_id=self.journey_id,
            journey_version=self.journey_version,
            entry_id=self.entry_id,
            step_id=self.step_id,
            channel=channel,
            status=status,
            reason=reason,
            provider=provider,
            provider_message_id=provider_message_id,
            test=self.test,
            at=self.timestamp or received_at,
        )

    def consent(
        self,
        *,
        event_id: str,
        channel: Channel,
        granted: bool,
        provider: str,
        received_at: datetime,
    ) -> CustomerEvent:
        """The consent event of an unsubscribe, complaint, STOP or START."""
        return CustomerEvent(
            event_id=event_id,
            customer_id=self.customer_id,
            type="consent",
            channel=channel,
            granted=granted,
            timestamp=self.timestamp or received_at,
            received_at=received_at,
            source=f"webhook:{provider}",
        )


@dataclass(slots=True)
class Mapped:
    """What one provider event becomes: outcomes, consent events, or nothing (ignored)."""

    outcomes: list[DispatchOutcome] = field(default_factory=list)
    consents: list[CustomerEvent] = field(default_factory=list)

    @property
    def ignored(self) -> bool:
        """True for events that report nothing Waymark records (queued, processed, ...)."""
        return not self.outcomes and not self.consents


class ProviderMapping(Protocol):
    """Turns one provider event (already parsed JSON) into outcomes and consent events."""

    channel: ClassVar[Channel]
    model: ClassVar[type[SendMetadata]]

    def map(
        self, event: Any, *, provider: str, raw: dict[str, Any], received_at: datetime
    ) -> Mapped:
        """Map an event validated by `model`; `raw` is its JSON, for content-derived ids."""
        ...


def content_id(provider: str, raw: dict[str, Any]) -> str:
    """An outcome id derived from the event's content, for providers that send no event id.

    A provider's retry sends the same content, so the retry gets the same id.
    """
    digest = hashlib.sha256(canonical_json(raw).encode()).hexdigest()[:32]
    return f"{provider}:h:{digest}"
