"""What decide() returns: the next state and the effects the worker must carry out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, NamedTuple

from waymark.core.engine.codec import to_bytes
from waymark.core.engine.state import CustomerState

__all__ = [
    "TRANSITION_KINDS",
    "Decision",
    "SendCommand",
    "TimerRequest",
    "Transition",
    "TransitionKind",
    "decision_to_bytes",
]

TransitionKind = Literal[
    "entered",
    "milestone_entered",
    "step_entered",
    "step_completed",
    "step_failed",
    "waiting",
    "suppressed",
    "converted",
    "exited",
]
TRANSITION_KINDS: tuple[TransitionKind, ...] = (
    "entered",
    "milestone_entered",
    "step_entered",
    "step_completed",
    "step_failed",
    "waiting",
    "suppressed",
    "converted",
    "exited",
)


class SendCommand(NamedTuple):
    """One message for channel-dispatch to send at most once, identified by `command_id`."""

    command_id: str
    customer_id: str
    journey_id: str
    journey_version: int
    entry_id: str
    step_id: str
    channel: str
    template: str
    category: Literal["marketing", "transactional"]
    at: datetime
    address: str | None
    """The customer's address on the channel (email, phone, push token); None for webhooks."""
    consent_granted: bool
    """The channel's marketing consent when the send was decided."""
    attempt: int
    """Sends this instance made before: a loop back through the step gets a new command id."""
    profile: Mapping[str, Any]
    """The profile when the send was decided, for the template's variables."""
    entry_properties: Mapping[str, Any]


class Transition(NamedTuple):
    """A step in a customer's trace, for analytics and for "why was this not sent?"."""

    customer_id: str
    journey_id: str
    journey_version: int
    entry_id: str
    kind: TransitionKind
    milestone_id: str | None
    step_id: str | None
    reason: str | None
    at: datetime


class TimerRequest(NamedTuple):
    """Set or cancel a timer; the worker fires a set one as a Tick at `due_at`."""

    action: Literal["set", "cancel"]
    customer_id: str
    timer_id: str
    due_at: datetime | None


class Decision(NamedTuple):
    """The outcome of one input: the next state and the effects, in the order they happened."""

    state: CustomerState
    commands: tuple[SendCommand, ...] = ()
    transitions: tuple[Transition, ...] = ()
    timers: tuple[TimerRequest, ...] = ()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def decision_to_bytes(decision: Decision) -> bytes:
    """A canonical byte form of a decision, for replay and determinism checks."""
    doc = {
        "state": to_bytes(decision.state).decode(),
        "commands": [
            {name: _plain(getattr(cmd, name)) for name in SendCommand._fields}
            for cmd in decision.commands
        ],
        "transitions": [
            {name: _plain(getattr(tr, name)) for name in Transition._fields}
            for tr in decision.transitions
        ],
        "timers": [
            {name: _plain(getattr(tm, name)) for name in TimerRequest._fields}
            for tm in decision.timers
        ],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str).encode()
