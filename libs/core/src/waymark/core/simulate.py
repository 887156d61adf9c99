"""The simulator: decide() on a virtual clock over JSON Lines inputs, timers fired in between."""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from waymark.core.engine import (
    Catalog,
    CatalogChange,
    CustomerState,
    Decision,
    EnginePolicy,
    Input,
    InputError,
    Outcome,
    ScheduleTick,
    SendCommand,
    Tick,
    Transition,
    decide,
    parse_input,
)
from waymark.core.engine.clock import to_epoch
from waymark.core.journeys.model import Journey

__all__ = [
    "DEFAULT_HORIZON",
    "SimulationResult",
    "format_instant",
    "format_table",
    "read_inputs",
    "simulate",
]

DEFAULT_HORIZON = timedelta(days=90)
"""How long after the last input timers keep firing when no `until` is given."""

COMMAND_FIELDS = (
    "command_id",
    "customer_id",
    "journey_id",
    "step_id",
    "channel",
    "template",
    "category",
    "at",
)
TRANSITION_FIELDS = ("customer_id", "journey_id", "kind", "milestone_id", "step_id", "reason", "at")


def format_instant(instant: datetime) -> str:
    """An instant as JOURNEYS.md writes it: UTC with a `Z`."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(slots=True)
class SimulationResult:
    """Every command and transition of a run, in the order they were decided."""

    commands: list[SendCommand] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    states: dict[str, CustomerState] = field(default_factory=dict)

    def to_document(self) -> dict[str, list[dict[str, Any]]]:
        """The JOURNEYS.md output: `{"commands": [...], "transitions": [...]}`."""

        def row(item: SendCommand | Transition, names: Sequence[str]) -> dict[str, Any]:
            values = {name: getattr(item, name) for name in names}
            values["at"] = format_instant(values["at"])
            return values

        return {
            "commands": [row(command, COMMAND_FIELDS) for command in self.commands],
            "transitions": [row(transition, TRANSITION_FIELDS) for transition in self.transitions],
        }

    def to_json(self) -> str:
        """The JOURNEYS.md output as JSON text."""
        return json.dumps(self.to_document(), ensure_ascii=False, indent=2)


def format_table(result: SimulationResult) -> str:
    """The trace for people: one line per transition, each command under the step that sent it."""
    sent: dict[tuple[str, str, str | None, datetime], SendCommand] = {
        (c.customer_id, c.journey_id, c.step_id, c.at): c for c in result.commands
    }
    header = ("at", "customer", "journey", "kind", "milestone", "step", "detail")
    rows: list[tuple[str, ...]] = [header]
    for tr in result.transitions:
        detail = tr.reason or ""
        command = sent.get((tr.customer_id, tr.journey_id, tr.step_id, tr.at))
        if tr.kind == "step_completed" and command is not None:
            detail = f"sent {command.channel} {command.template}"
        rows.append(
            (
                format_instant(tr.at),
                tr.customer_id,
                tr.journey_id,
                tr.kind,
                tr.milestone_id or "-",
                tr.step_id or "-",
                detail,
            )
        )
    widths = [max(len(row[col]) for row in rows) for col in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.append("")
    lines.append(f"{len(result.commands)} commands, {len(result.transitions)} transitions")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def read_inputs(source: str | Path | Iterable[str]) -> list[Input]:
    """Parse JSON Lines (a path, text or lines); an error names the line and the field."""
    if isinstance(source, Path):
        lines: Iterable[str] = source.read_text(encoding="utf-8").splitlines()
    elif isinstance(source, str):
        lines = source.splitlines()
    else:
        lines = source
    inputs: list[Input] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise InputError("a line is one JSON object")
            inputs.append(parse_input(record))
        except (json.JSONDecodeError, InputError) as error:
            raise InputError(f"line {number}: {error}") from None
    return inputs


class _Runner:
    """The virtual clock: customer states, pending timers and schedule fires."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.states: dict[str, CustomerState] = {}
        self.result = SimulationResult(states=self.states)
        self.timers: list[tuple[int, int, str, str, datetime]] = []
        self.live: dict[str, int] = {}
        self.sequence = 0
        self.schedules: dict[str, datetime] = {}

    def start_schedules(self, start: datetime) -> None:
        for journey in self.catalog.scheduled():
            fire = self.catalog.next_fire(journey.id, start - timedelta(seconds=1))
            if fire is not None:
                self.schedules[journey.id] = fire

    def apply(self, customer_id: str, inp: Input, now: datetime) -> None:
        state = self.states.get(customer_id) or CustomerState.new(customer_id)
        decision: Decision = decide(state, inp, self.catalog, now)
        self.states[customer_id] = decision.state
        self.result.commands.extend(decision.commands)
        self.result.transitions.extend(decision.transitions)
        for timer in decision.timers:
            if timer.action == "cancel" or timer.due_at is None:
                self.live.pop(timer.timer_id, None)
                continue
            self.sequence += 1
            self.live[timer.timer_id] = self.sequence
            key = (to_epoch(timer.due_at), self.sequence, timer.customer_id, timer.timer_id)
            heapq.heappush(self.timers, (*key, timer.due_at))

    def _next_timer(self) -> tuple[int, int, str, str, datetime] | None:
        while self.timers:
            head = self.timers[0]
            if self.live.get(head[3]) == head[1]:
                return head
            heapq.heappop(self.timers)
        return None

    def _next_schedule(self) -> tuple[str, datetime] | None:
        if not self.schedules:
            return None
        journey_id = min(self.schedules, key=lambda key: (self.schedules[key], key))
        return journey_id, self.schedules[journey_id]

    def advance(self, until: datetime) -> None:
        """Fire every timer and schedule due at or before `until`, earliest first."""
        while True:
            timer = self._next_timer()
            schedule = self._next_schedule()
            timer_due = timer[4] if timer is not None else None
            fire_at = schedule[1] if schedule is not None else None
            if (
                timer is not None
                and timer_due is not None
                and timer_due <= until
                and (fire_at is None or timer_due <= fire_at)
            ):
                heapq.heappop(self.timers)
                self.live.pop(timer[3], None)
                tick = Tick(f"tick:{timer[3]}", timer[2], timer_due, timer[3])
                self.apply(timer[2], tick, timer_due)
                continue
            if schedule is not None and fire_at is not None and fire_at <= until:
                self._fire_schedule(schedule[0], fire_at)
                continue
            return

    def _fire_schedule(self, journey_id: str, fire_at: datetime) -> None:
        for customer_id in sorted(self.states):
            input_id = f"schedule:{journey_id}:{to_epoch(fire_at)}"
            self.apply(
                customer_id, ScheduleTick(input_id, customer_id, fire_at, journey_id), fire_at
            )
        following = self.catalog.next_fire(journey_id, fire_at)
        if following is None:
            del self.schedules[journey_id]
        else:
            self.schedules[journey_id] = following

    def handle(self, inp: Input) -> None:
        """Process one input from the file at its own timestamp."""
        now = inp.timestamp
        if isinstance(inp, CatalogChange):
            self._catalog_change(inp)
            return
        if isinstance(inp, Outcome) and inp.command_id is None and inp.step_id is not None:
            inp = self._resolve_outcome(inp)
        self.apply(inp.customer_id, inp, now)

    def _resolve_outcome(self, outcome: Outcome) -> Outcome:
        # The file names a send by step: it means the customer's latest command of that step.
        for command in reversed(self.result.commands):
            if command.customer_id != outcome.customer_id or command.step_id != outcome.step_id:
                continue
            if outcome.journey_id is not None and command.journey_id != outcome.journey_id:
                continue
            return replace(
                outcome,
                command_id=command.command_id,
                journey_id=command.journey_id,
                channel=outcome.channel or command.channel,
            )
        return outcome

    def _catalog_change(self, change: CatalogChange) -> None:
        statuses = {"paused": "paused", "resumed": "active", "archived": "archived"}
        status = statuses.get(change.change)
        if status is not None and self.catalog.record(change.journey_id) is not None:
            self.catalog.set_status(change.journey_id, status)  # type: ignore[arg-type]
        for customer_id in sorted(self.states):
            if change.journey_id in self.states[customer_id].instances:
                fanned = replace(
                    change, customer_id=customer_id, input_id=f"{change.input_id}:{customer_id}"
                )
                self.apply(customer_id, fanned, change.timestamp)


def simulate(
    journeys: Sequence[Journey],
    inputs: Sequence[Input],
    until: datetime | None = None,
    policy: EnginePolicy | None = None,
) -> SimulationResult:
    """Run `journeys` together over `inputs` in timestamp order on a virtual clock."""
    catalog = Catalog(journeys, policy=policy)
    ordered = sorted(inputs, key=lambda inp: inp.timestamp)  # stable: file order breaks ties
    if until is None:
        if not ordered:
            return SimulationResult()
        until = ordered[-1].timestamp + DEFAULT_HORIZON
    runner = _Runner(catalog)
    if ordered:
        runner.start_schedules(ordered[0].timestamp)
    for inp in ordered:
        if inp.timestamp > until:
            break
        runner.advance(inp.timestamp)
        runner.handle(inp)
    runner.advance(until)
    return runner.result
