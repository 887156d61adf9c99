"""Typed inputs of decide(): what a customer did, what dispatch saw, timers and catalog changes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any, Literal

__all__ = [
    "CATALOG_CHANGES",
    "OUTCOME_STATUSES",
    "ApiTrigger",
    "CatalogChange",
    "Consent",
    "Identify",
    "Input",
    "InputError",
    "Outcome",
    "ScheduleTick",
    "Tick",
    "Track",
    "parse_input",
    "parse_timestamp",
]

OUTCOME_STATUSES = frozenset(
    {
        "sent",
        "delivered",
        "failed",
        "bounced",
        "suppressed",
        "expired",
        "opened",
        "clicked",
        "unsubscribed",
    }
)
CATALOG_CHANGES = frozenset({"published", "paused", "resumed", "archived"})

CatalogChangeKind = Literal["published", "paused", "resumed", "archived"]


class InputError(ValueError):
    """An input record that cannot become a typed input; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class Identify:
    """Traits of a customer, merged into the profile."""

    input_id: str
    customer_id: str
    timestamp: datetime
    traits: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Track:
    """Something the customer did: an event with properties."""

    input_id: str
    customer_id: str
    timestamp: datetime
    event: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Consent:
    """The customer granted or withdrew marketing consent on one channel."""

    input_id: str
    customer_id: str
    timestamp: datetime
    channel: str
    granted: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a send command, as channel-dispatch or a provider webhook reports it."""

    input_id: str
    customer_id: str
    timestamp: datetime
    status: str
    command_id: str | None = None
    journey_id: str | None = None
    step_id: str | None = None
    channel: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Tick:
    """A timer the engine asked for came due."""

    input_id: str
    customer_id: str
    timestamp: datetime
    timer_id: str


@dataclass(frozen=True, slots=True)
class ScheduleTick:
    """A schedule-triggered journey fired; the worker fans it out to every known customer."""

    input_id: str
    customer_id: str
    timestamp: datetime
    journey_id: str


@dataclass(frozen=True, slots=True)
class ApiTrigger:
    """An entry through the trigger API, its payload available as `entry.properties.*`."""

    input_id: str
    customer_id: str
    timestamp: datetime
    journey_id: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CatalogChange:
    """A journey's catalog status changed; delivered to each customer it may concern."""

    input_id: str
    customer_id: str
    timestamp: datetime
    journey_id: str
    change: CatalogChangeKind
    version: int | None = None


Input = Identify | Track | Consent | Outcome | Tick | ScheduleTick | ApiTrigger | CatalogChange


def parse_timestamp(value: Any, where: str = "timestamp") -> datetime:
    """Parse an ISO-8601 instant; one without an offset is taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InputError(f"{where}: {value!r} is not an ISO-8601 instant") from None
    else:
        raise InputError(f"{where}: an ISO-8601 instant is required, got {value!r}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _text(record: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = record.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise InputError(f"{key}: a non-empty string is required, got {value!r}")
    return value


def _mapping(record: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = record.get(key, {})
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{key}: an object is required, got {value!r}")
    return value


def _input_id(record: Mapping[str, Any]) -> str:
    for key in ("input_id", "message_id", "messageId", "event_id"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value
    # Without an explicit id, the content is the identity: a repeated record is a duplicate.
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return "h:" + sha256(canonical.encode()).hexdigest()[:24]


def parse_input(record: Mapping[str, Any]) -> Input:
    """Turn one record of the JOURNEYS.md JSON Lines format into a typed input."""
    kind = record.get("type")
    input_id = _input_id(record)
    timestamp = parse_timestamp(record.get("timestamp"))
    customer = _text(record, "customer_id", required=kind != "journey") or ""
    if kind == "identify":
        return Identify(input_id, customer, timestamp, dict(_mapping(record, "traits")))
    if kind == "track":
        event = _text(record, "event") or ""
        return Track(input_id, customer, timestamp, event, dict(_mapping(record, "properties")))
    if kind == "consent":
        granted = record.get("granted")
        if not isinstance(granted, bool):
            raise InputError(f"granted: true or false is required, got {granted!r}")
        return Consent(input_id, customer, timestamp, _text(record, "channel") or "", granted)
    if kind == "outcome":
        status = _text(record, "status") or ""
        if status not in OUTCOME_STATUSES:
            raise InputError(
                f"status: {status!r} is not one of {', '.join(sorted(OUTCOME_STATUSES))}"
            )
        return Outcome(
            input_id,
            customer,
            timestamp,
            status,
            command_id=_text(record, "command_id", required=False),
            journey_id=_text(record, "journey_id", required=False),
            step_id=_text(record, "step", required=False)
            or _text(record, "step_id", required=False),
            channel=_text(record, "channel", required=False),
            reason=_text(record, "reason", required=False),
        )
    if kind in ("api", "trigger"):
        journey = _text(record, "journey_id") or ""
        return ApiTrigger(input_id, customer, timestamp, journey, dict(_mapping(record, "payload")))
    if kind == "journey":
        change = record.get("status")
        if change not in CATALOG_CHANGES:
            raise InputError(
                f"status: {change!r} is not one of {', '.join(sorted(CATALOG_CHANGES))}"
            )
        return CatalogChange(
            input_id, customer, timestamp, _text(record, "journey_id") or "", change
        )
    raise InputError(
        f"type: {kind!r} is not one of identify, track, consent, outcome, trigger, journey"
    )
