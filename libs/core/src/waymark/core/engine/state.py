"""Per-customer state: profile, consent, suppression, frequency counters, journey instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from waymark.core.journeys.conditions import EventView

__all__ = [
    "BEFORE_FIRST_MILESTONE",
    "NO_STEP",
    "CustomerState",
    "Finished",
    "JourneyInstance",
    "Wait",
    "WaitKind",
]

WaitKind = Literal["duration", "until", "event", "outcome", "quiet_hours", "goal"]

BEFORE_FIRST_MILESTONE = -1
"""Milestone index of an instance no milestone's entry has held for yet."""

NO_STEP = -1
"""Step index of an instance whose milestone flow has ended: it waits for a later milestone."""


class Wait(NamedTuple):
    """What a waiting instance waits for; `match` correlation reads the kept entry event."""

    kind: WaitKind
    due_at: int
    """Epoch seconds when the timer fires."""
    generation: int
    """The timer generation; a tick carrying another one is stale."""
    held: bool = False
    """The timer came due while the journey was paused: it fires on the first input after."""


@dataclass(slots=True)
class JourneyInstance:
    """A customer's live passage through one pinned version of a journey."""

    journey_id: str
    version: int
    entry_id: str
    entered_at: int
    entry: EventView | None
    """The event that started the instance, trimmed to the properties its conditions read."""
    milestone: int = BEFORE_FIRST_MILESTONE
    step: int = NO_STEP
    """Index of the current step in the current milestone (the version is pinned)."""
    wait: Wait | None = None
    generation: int = 0
    sends: int = 0
    """Sends made so far: the `attempt` of the next command, so a loop never reuses an id."""
    commands: dict[str, str] = field(default_factory=dict)
    """Last command id per send step that an outcome wait refers to."""

    @property
    def status(self) -> Literal["waiting", "running", "holding"]:
        """`waiting` on a wait, `holding` between milestone flows, `running` while stepping."""
        if self.wait is not None:
            return "waiting"
        return "holding" if self.step == NO_STEP else "running"

    def copy(self) -> JourneyInstance:
        """A copy safe to change without touching this one."""
        return JourneyInstance(
            self.journey_id,
            self.version,
            self.entry_id,
            self.entered_at,
            self.entry,
            self.milestone,
            self.step,
            self.wait,
            self.generation,
            self.sends,
            dict(self.commands) if self.commands else {},
        )


class Finished(NamedTuple):
    """What re-entry rules need of a finished instance."""

    entered_at: int
    exited_at: int


@dataclass(slots=True)
class CustomerState:
    """Everything the engine knows of one customer.

    Its containers are replaced, never changed in place, and an instance is copied before it
    changes: a copy shares them, and commands may hold the profile without it changing.
    """

    customer_id: str
    profile: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, bool] = field(default_factory=dict)
    suppressed: dict[str, str] = field(default_factory=dict)
    """Channel → reason its address is suppressed (hard bounce, complaint)."""
    marketing_sends: list[int] = field(default_factory=list)
    """Epoch seconds of the latest marketing sends, as many as the frequency cap counts."""
    instances: dict[str, JourneyInstance] = field(default_factory=dict)
    """Live instances by journey id: a customer is in a journey at most once at a time."""
    finished: dict[str, Finished] = field(default_factory=dict)
    seen: str = ""
    """Digests of the latest input ids, space-separated, oldest first, for dedupe.

    Each digest has the same length and no space, so `digest in seen` is an exact test.
    """

    @classmethod
    def new(cls, customer_id: str) -> CustomerState:
        """The state of a customer never seen before."""
        return cls(customer_id)

    def copy(self) -> CustomerState:
        """A shallow copy: decide() replaces what it changes, so the original stays as it was."""
        return CustomerState(
            self.customer_id,
            self.profile,
            self.consent,
            self.suppressed,
            self.marketing_sends,
            dict(self.instances),
            self.finished,
            self.seen,
        )
