"""Email provider events in the SendGrid event-webhook shape: an array of events.

`delivered`, `open`, `click`, `bounce` (type `bounce` is hard, `blocked` soft), `dropped`,
`spamreport` (a complaint: the address is suppressed and marketing consent withdrawn),
`unsubscribe` and `group_unsubscribe` (consent withdrawn), `group_resubscribe` (consent
granted). `processed`, `deferred` and unknown events report nothing and are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from waymark.core.contracts import Channel, OutcomeStatus
from waymark.trigger_ingest.calls import Name
from waymark.trigger_ingest.webhooks.mapping import Mapped, SendMetadata, content_id

__all__ = ["EmailEvent", "EmailEvents"]

_STATUS: dict[str, tuple[OutcomeStatus, str | None]] = {
    "delivered": ("delivered", None),
    "open": ("opened", None),
    "click": ("clicked", None),
    "dropped": ("failed", "dropped"),
    # The engine suppresses the address on any bounce whose reason is not "soft".
    "spamreport": ("bounced", "complaint"),
    "unsubscribe": ("unsubscribed", None),
    "group_unsubscribe": ("unsubscribed", None),
}
_WITHDRAWS = frozenset({"spamreport", "unsubscribe", "group_unsubscribe"})


class EmailEvent(SendMetadata):
    """One SendGrid-style event, with the send metadata as custom args."""

    event: Name
    sg_event_id: Name | None = None
    sg_message_id: Name | None = None
    type: Literal["bounce", "blocked"] | None = Field(
        default=None, description="for bounce events: bounce (hard) or blocked (soft)"
    )


class EmailEvents:
    """Maps SendGrid-style email events."""

    channel: ClassVar[Channel] = "email"
    model: ClassVar[type[SendMetadata]] = EmailEvent

    def map(
        self, event: Any, *, provider: str, raw: dict[str, Any], received_at: datetime
    ) -> Mapped:
        """Outcomes and consent events of one email event."""
        assert isinstance(event, EmailEvent)
        oid = f"{provider}:{event.sg_event_id}" if event.sg_event_id else content_id(provider, raw)
        mapped = Mapped()
        if event.event == "bounce":
            status: OutcomeStatus = "bounced"
            reason: str | None = "soft" if event.type == "blocked" else "hard_bounce"
        elif event.event in _STATUS:
            status, reason = _STATUS[event.event]
        elif event.event == "group_resubscribe":
            mapped.consents.append(
                event.consent(
                    event_id=f"{oid}:consent",
                    channel="email",
                    granted=True,
                    provider=provider,
                    received_at=received_at,
                )
            )
            return mapped
        else:
            return mapped
        mapped.outcomes.append(
            event.outcome(
                outcome_id=oid,
                provider=provider,
                channel="email",
                status=status,
                reason=reason,
                provider_message_id=event.sg_message_id,
                received_at=received_at,
            )
        )
        if event.event in _WITHDRAWS:
            mapped.consents.append(
                event.consent(
                    event_id=f"{oid}:consent",
                    channel="email",
                    granted=False,
                    provider=provider,
                    received_at=received_at,
                )
            )
        return mapped
