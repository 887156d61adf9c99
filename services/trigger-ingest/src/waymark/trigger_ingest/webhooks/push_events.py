"""Push events reported by the app or the push relay: delivered, opened, token invalid.

`token_invalid` (or FCM's `unregistered`) becomes a `bounced` outcome with reason
`invalid_token`, so the engine suppresses the token. Unknown events are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from waymark.core.contracts import Channel, OutcomeStatus
from waymark.trigger_ingest.calls import Name
from waymark.trigger_ingest.webhooks.mapping import Mapped, SendMetadata, content_id

__all__ = ["PushEvent", "PushEvents"]

_STATUS: dict[str, tuple[OutcomeStatus, str | None]] = {
    "delivered": ("delivered", None),
    "opened": ("opened", None),
    "token_invalid": ("bounced", "invalid_token"),
    "unregistered": ("bounced", "invalid_token"),
}


class PushEvent(SendMetadata):
    """One push event, with the send metadata carried in the message's data."""

    event: Name
    event_id: Name | None = None
    message_id: Name | None = None


class PushEvents:
    """Maps push events."""

    channel: ClassVar[Channel] = "push"
    model: ClassVar[type[SendMetadata]] = PushEvent

    def map(
        self, event: Any, *, provider: str, raw: dict[str, Any], received_at: datetime
    ) -> Mapped:
        """The outcome of one push event."""
        assert isinstance(event, PushEvent)
        mapped = Mapped()
        if event.event not in _STATUS:
            return mapped
        if event.event_id:
            oid = f"{provider}:{event.event_id}"
        elif event.message_id:
            oid = f"{provider}:{event.message_id}:{event.event}"
        else:
            oid = content_id(provider, raw)
        status, reason = _STATUS[event.event]
        mapped.outcomes.append(
            event.outcome(
                outcome_id=oid,
                provider=provider,
                channel="push",
                status=status,
                reason=reason,
                provider_message_id=event.message_id,
                received_at=received_at,
            )
        )
        return mapped
