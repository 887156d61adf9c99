"""A small driver around decide(): journeys from dicts, inputs by name, timers fired on demand."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from waymark.core.engine import (
    ApiTrigger,
    Catalog,
    CatalogChange,
    Consent,
    CustomerState,
    Decision,
    EnginePolicy,
    Identify,
    Input,
    Outcome,
    ScheduleTick,
    SendCommand,
    Tick,
    TimerRequest,
    Track,
    Transition,
    decide,
)
from waymark.core.journeys import Journey, load_journey

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
"""A Monday, 10:00 UTC: inside nobody's default quiet hours."""


def journey_doc(steps: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """A valid journey document: event `start`, one milestone `main` with `steps`."""
    doc: dict[str, Any] = {
        "id": "test-journey",
        "name": "Test journey",
        "type": "marketing",
        "trigger": {"event": "start"},
        "reentry": {"mode": "never"},
        "milestones": [
            {
                "id": "main",
                "steps": steps
                or [{"id": "hello", "send": {"channel": "email", "template": "hello"}}],
            }
        ],
    }
    doc.update(copy.deepcopy(fields))
    return doc


def build(doc: dict[str, Any]) -> Journey:
    """The journey model of a document."""
    return load_journey(doc)


class Engine:
    """Feeds inputs to decide() one customer at a time and remembers every effect."""

    def __init__(self, *docs: dict[str, Any], policy: EnginePolicy | None = None) -> None:
        self.catalog = Catalog([build(doc) for doc in docs], policy=policy)
        self.states: dict[str, CustomerState] = {}
        self.decisions: list[Decision] = []
        self.commands: list[SendCommand] = []
        self.transitions: list[Transition] = []
        self.timers: dict[str, tuple[str, datetime]] = {}
        self.timer_log: list[TimerRequest] = []
        self._ids = 0

    def next_id(self) -> str:
        self._ids += 1
        return f"in-{self._ids}"

    def state(self, customer: str = "c1") -> CustomerState:
        return self.states.get(customer) or CustomerState.new(customer)

    def feed(self, inp: Input, now: datetime | None = None) -> Decision:
        """decide() on the customer's state, keeping the result."""
        decision = decide(self.state(inp.customer_id), inp, self.catalog, now or inp.timestamp)
        self.states[inp.customer_id] = decision.state
        self.decisions.append(decision)
        self.commands.extend(decision.commands)
        self.transitions.extend(decision.transitions)
        for timer in decision.timers:
            self.timer_log.append(timer)
            if timer.action == "set" and timer.due_at is not None:
                self.timers[timer.timer_id] = (timer.customer_id, timer.due_at)
            else:
                self.timers.pop(timer.timer_id, None)
        return decision

    def identify(self, at: datetime, customer: str = "c1", **traits: Any) -> Decision:
        return self.feed(Identify(self.next_id(), customer, at, traits))

    def track(
        self,
        event: str,
        at: datetime,
        customer: str = "c1",
        input_id: str | None = None,
        **props: Any,
    ) -> Decision:
        return self.feed(Track(input_id or self.next_id(), customer, at, event, props))

    def consent(
        self, channel: str, at: datetime, granted: bool = True, customer: str = "c1"
    ) -> Decision:
        return self.feed(Consent(self.next_id(), customer, at, channel, granted))

    def outcome(
        self, command: SendCommand, status: str, at: datetime, reason: str | None = None
    ) -> Decision:
        return self.feed(
            Outcome(
                self.next_id(),
                command.customer_id,
                at,
                status,
                command_id=command.command_id,
                journey_id=command.journey_id,
                step_id=command.step_id,
                channel=command.channel,
                reason=reason,
            )
        )

    def api(self, journey_id: str, at: datetime, customer: str = "c1", **payload: Any) -> Decision:
        return self.feed(ApiTrigger(self.next_id(), customer, at, journey_id, payload))

    def schedule(self, journey_id: str, at: datetime, customer: str = "c1") -> Decision:
        return self.feed(ScheduleTick(f"schedule:{journey_id}:{at}", customer, at, journey_id))

    def catalog_change(
        self, journey_id: str, change: str, at: datetime, customer: str = "c1"
    ) -> Decision:
        return self.feed(CatalogChange(self.next_id(), customer, at, journey_id, change))  # type: ignore[arg-type]

    def tick(self, timer_id: str, at: datetime, customer: str = "c1") -> Decision:
        return self.feed(Tick(f"tick:{timer_id}", customer, at, timer_id))

    def advance(self, until: datetime) -> None:
        """Fire every pending timer due at or before `until`, earliest first."""
        while True:
            due = [
                (when, timer_id, customer)
                for timer_id, (customer, when) in self.timers.items()
                if when <= until
            ]
            if not due:
                return
            when, timer_id, customer = min(due)
            del self.timers[timer_id]
            self.tick(timer_id, when, customer)

    def trace(
        self, customer: str = "c1", journey: str | None = None
    ) -> list[tuple[str, str | None, str | None]]:
        """(kind, step id, reason) of every transition of the customer."""
        return [
            (t.kind, t.step_id, t.reason)
            for t in self.transitions
            if t.customer_id == customer and (journey is None or t.journey_id == journey)
        ]

    def kinds(self, customer: str = "c1", journey: str | None = None) -> list[str]:
        return [kind for kind, _, _ in self.trace(customer, journey)]

    def sent(self, customer: str = "c1") -> list[str]:
        """Step ids of the customer's commands, in order."""
        return [c.step_id for c in self.commands if c.customer_id == customer]


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def days(n: float) -> timedelta:
    return timedelta(days=n)
