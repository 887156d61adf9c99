"""The one small interface every sender implements, its messages and its failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from waymark.channel_dispatch.suppression import SuppressionReason

__all__ = [
    "Email",
    "Message",
    "Push",
    "Receipt",
    "RejectedError",
    "RetryableError",
    "SendError",
    "Sender",
    "Sms",
    "UncertainError",
    "Webhook",
]


@dataclass(frozen=True, slots=True)
class Email:
    """A composed email: envelope and the MIME bytes."""

    recipient: str
    sender: str
    data: bytes
    message_id: str


@dataclass(frozen=True, slots=True)
class Sms:
    """A text message."""

    to: str
    body: str


@dataclass(frozen=True, slots=True)
class Push:
    """A push notification to one device token."""

    token: str
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Webhook:
    """A JSON document to post, signed."""

    body: bytes


Message = Email | Sms | Push | Webhook
M_contra = TypeVar("M_contra", bound=Message, contravariant=True)


@dataclass(frozen=True, slots=True)
class Receipt:
    """The provider accepted the message."""

    provider_message_id: str | None = None


class SendError(Exception):
    """A send did not go through; `reason` is a short, bounded cause (`http_503`, `timeout`)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        """`reason` is bounded (metrics, outcomes); `detail` is the provider's words."""
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class RetryableError(SendError):
    """Trying again later may work (timeouts, 5xx, 429, SMTP 4xx)."""

    def __init__(
        self,
        reason: str,
        detail: str = "",
        *,
        retry_after: float | None = None,
        throttled: bool = False,
        unhealthy: bool = True,
    ) -> None:
        """A failure worth another attempt, after `retry_after` seconds when known."""
        super().__init__(reason, detail)
        self.retry_after = retry_after
        self.throttled = throttled
        """A 429: the rate limit halves."""
        self.unhealthy = unhealthy
        """Counts towards the circuit breaker (not for throttling or a greylisting 4xx)."""


class RejectedError(SendError):
    """The provider refused this message for good; `suppress` names a bad address."""

    def __init__(
        self, reason: str, detail: str = "", *, suppress: SuppressionReason | None = None
    ) -> None:
        """A final refusal; `suppress` adds the address to the suppression list."""
        super().__init__(reason, detail)
        self.suppress = suppress


class UncertainError(SendError):
    """The provider may have accepted the message (the connection died after the body)."""


class Sender(Protocol[M_contra]):
    """Delivers one kind of message to one provider."""

    @property
    def name(self) -> str:
        """The provider name in outcomes and metrics: smtp, sms, push, webhook."""
        ...

    @property
    def takes_idempotency_key(self) -> bool:
        """Whether the provider drops a second request with the same key (safe to resend)."""
        ...

    async def send(self, message: M_contra, *, key: str) -> Receipt:
        """Send once; RetryableError, RejectedError or UncertainError when it did not go."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
