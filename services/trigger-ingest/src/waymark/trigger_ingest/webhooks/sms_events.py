"""SMS provider events in the Twilio status-callback shape, and inbound STOP/START replies.

Status callbacks (`MessageSid`, `MessageStatus`, `ErrorCode`): `delivered`, `read` (opened),
`failed` and `undelivered` (failed, or bounced `invalid_number` for the error codes of numbers
that can never receive, so the engine suppresses them). Inbound messages (`Body`, no status or
`received`): STOP keywords withdraw SMS consent and report `unsubscribed`, START keywords grant
it again, anything else is ignored, as are `queued`, `sending`, `sent` and unknown statuses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, WithJsonSchema

from waymark.core.contracts import Channel, OutcomeStatus
from waymark.trigger_ingest.calls import Name
from waymark.trigger_ingest.webhooks.mapping import Mapped, SendMetadata

__all__ = ["SmsEvent", "SmsEvents"]

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
# InvalidError, landline or unreachable-forever numbers: retrying can never deliver.
_INVALID_NUMBER = frozenset({"21211", "21214", "21614", "30006"})


def _code(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a provider error code (string or integer)")
    return str(value)[:32]


ErrorCode = Annotated[
    str | None,
    BeforeValidator(_code),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}),
]


class SmsEvent(SendMetadata):
    """One Twilio-style status callback or inbound message, with the send metadata."""

    message_sid: Name = Field(alias="MessageSid")
    message_status: Name | None = Field(default=None, alias="MessageStatus")
    error_code: ErrorCode = Field(default=None, alias="ErrorCode")
    body: Annotated[str, Field(max_length=1600)] | None = Field(default=None, alias="Body")


class SmsEvents:
    """Maps Twilio-style SMS events."""

    channel: ClassVar[Channel] = "sms"
    model: ClassVar[type[SendMetadata]] = SmsEvent

    def map(
        self, event: Any, *, provider: str, raw: dict[str, Any], received_at: datetime
    ) -> Mapped:
        """Outcomes and consent events of one SMS event."""
        assert isinstance(event, SmsEvent)
        mapped = Mapped()
        status_text = (event.message_status or "received").lower()
        # Twilio calls back once per status of a message: the status is part of the id.
        oid = f"{provider}:{event.message_sid}:{status_text}"
        if status_text == "received":
            word = (event.body or "").strip().upper()
            if word in STOP_WORDS:
                mapped.outcomes.append(
                    event.outcome(
                        outcome_id=oid,
                        provider=provider,
                        channel="sms",
                        status="unsubscribed",
                        reason="stop_reply",
                        provider_message_id=event.message_sid,
                        received_at=received_at,
                    )
                )
            if word in STOP_WORDS or word in START_WORDS:
                mapped.consents.append(
                    event.consent(
                        event_id=f"{oid}:consent",
                        channel="sms",
                        granted=word in START_WORDS,
                        provider=provider,
                        received_at=received_at,
                    )
                )
            return mapped
        status: OutcomeStatus
        reason: str | None = None
        if status_text == "delivered":
            status = "delivered"
        elif status_text == "read":
            status = "opened"
        elif status_text in ("failed", "undelivered"):
            if event.error_code in _INVALID_NUMBER:
                status, reason = "bounced", "invalid_number"
            else:
                status = "failed"
                reason = f"error_{event.error_code}" if event.error_code else status_text
        else:
            return mapped
        mapped.outcomes.append(
            event.outcome(
                outcome_id=oid,
                provider=provider,
                channel="sms",
                status=status,
                reason=reason,
                provider_message_id=event.message_sid,
                received_at=received_at,
            )
        )
        return mapped
