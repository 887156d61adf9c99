"""The domain of dispatch: lanes, record positions, terminal results and their outcomes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from hashlib import blake2b
from typing import Any, Literal

from waymark.core.contracts import Channel, DispatchOutcome, SendCommand

__all__ = [
    "ADDRESS_FIELDS",
    "WAYMARK",
    "Lane",
    "Position",
    "Result",
    "TerminalStatus",
    "address_of",
    "outcome_id",
    "outcome_of",
]

Lane = Literal["transactional", "marketing"]
TerminalStatus = Literal["sent", "failed", "suppressed", "expired"]

ADDRESS_FIELDS: Mapping[Channel, str] = {"email": "email", "sms": "phone", "push": "push_token"}
"""The recipient field holding the address of each channel (webhooks have none)."""

WAYMARK = "waymark"
"""The provider name of outcomes dispatch decides itself (suppressed, expired, ...)."""


def address_of(command: SendCommand) -> str | None:
    """The recipient's address on the command's channel, or None (always None for webhooks)."""
    field = ADDRESS_FIELDS.get(command.channel)
    if field is None:
        return None
    value = command.recipient.get(field)
    return value.strip() if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a record sits in Kafka: the one record that owns a command's outcome."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        """`topic:partition:offset`, as stored in the ledger."""
        return f"{self.topic}:{self.partition}:{self.offset}"


@dataclass(frozen=True, slots=True)
class Result:
    """The terminal result of one command, as the ledger records it and the outcome reports it."""

    status: TerminalStatus
    reason: str | None
    provider: str
    at: datetime
    provider_message_id: str | None = None

    def to_document(self) -> dict[str, Any]:
        """The result's fields in the ledger, leaving out those that are None."""
        fields = {
            "status": self.status,
            "reason": self.reason,
            "provider": self.provider,
            "provider_message_id": self.provider_message_id,
            "at": self.at,
        }
        return {name: value for name, value in fields.items() if value is not None}

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Result:
        """A result read back from the ledger."""
        return cls(
            status=doc["status"],
            reason=doc.get("reason"),
            provider=doc["provider"],
            at=doc["at"],
            provider_message_id=doc.get("provider_message_id"),
        )

    @classmethod
    def decided(cls, status: TerminalStatus, reason: str | None, at: datetime) -> Result:
        """A result dispatch decided without a provider (suppressed, expired, failed early)."""
        return cls(status=status, reason=reason, provider=WAYMARK, at=at)


def outcome_id(command_id: str) -> str:
    """The id of a command's terminal outcome: the same on every publication of it."""
    return blake2b(f"{command_id}\x1fterminal".encode(), digest_size=16).hexdigest()


def outcome_of(command: SendCommand, result: Result) -> DispatchOutcome:
    """The DispatchOutcome reporting `result` for `command`."""
    return DispatchOutcome(
        outcome_id=outcome_id(command.command_id),
        command_id=command.command_id,
        customer_id=command.customer_id,
        journey_id=command.journey_id,
        journey_version=command.journey_version,
        entry_id=command.entry_id,
        step_id=command.step_id,
        channel=command.channel,
        status=result.status,
        reason=result.reason,
        provider=result.provider,
        provider_message_id=result.provider_message_id,
        test=command.test,
        at=result.at,
    )
