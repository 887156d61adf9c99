"""`wait_for`: an event (with `where` and `match`) or an outcome of a send, until a timeout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from waymark.core.engine.inputs import Outcome
from waymark.core.engine.state import JourneyInstance
from waymark.core.engine.steps.base import STOP, CompiledStep, Flow, resolve_jump
from waymark.core.journeys.conditions import Predicate, compile_condition, compile_match
from waymark.core.journeys.steps import WaitForStep

if TYPE_CHECKING:
    from waymark.core.engine.compiled import CompiledJourney
    from waymark.core.engine.turn import Turn

__all__ = [
    "OUTCOME_IMPLIES",
    "CompiledWaitFor",
    "compile_wait_for",
    "match_wait_for",
    "resume_wait_for",
    "run_wait_for",
]

OUTCOME_IMPLIES: dict[str, frozenset[str]] = {
    "delivered": frozenset({"delivered", "opened", "clicked"}),
    "opened": frozenset({"opened", "clicked"}),
    "clicked": frozenset({"clicked"}),
    "bounced": frozenset({"bounced"}),
    "unsubscribed": frozenset({"unsubscribed"}),
}
"""Reported statuses that satisfy an awaited one: providers often skip `delivered`."""


@dataclass(frozen=True, slots=True)
class CompiledWaitFor(CompiledStep):
    """A wait_for step: an event wait (`event` set) or an outcome wait (`outcome` and `of`)."""

    event: str | None
    where: Predicate | None
    match: Predicate | None
    outcome_statuses: frozenset[str]
    of: str | None
    timeout: timedelta
    on_event: Flow
    on_timeout: Flow


def compile_wait_for(
    step: WaitForStep, index: int, positions: Mapping[str, int]
) -> CompiledWaitFor:
    """Compile a wait_for step, resolving both exits."""
    spec = step.wait_for
    return CompiledWaitFor(
        step.id,
        index,
        index + 1,
        spec.event,
        compile_condition(spec.where) if spec.where is not None else None,
        compile_match(spec.match) if spec.match else None,
        OUTCOME_IMPLIES[spec.outcome] if spec.outcome is not None else frozenset(),
        spec.of,
        spec.timeout,
        resolve_jump(spec.on_event, positions, index + 1),
        resolve_jump(spec.on_timeout, positions, index + 1),
    )


def run_wait_for(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledWaitFor
) -> Flow:
    """Start waiting for the event or the outcome, until the timeout."""
    due = turn.now + step.timeout
    if step.event is not None:
        turn.wait(inst, "event", due)
        turn.note(inst, journey, "waiting", step.id, "event")
    else:
        turn.wait(inst, "outcome", due)
        turn.note(inst, journey, "waiting", step.id, "outcome")
    return STOP


def match_wait_for(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledWaitFor
) -> Flow | None:
    """If this input is what the step waits for, where to go next; None otherwise."""
    if step.event is not None:
        event = turn.event
        if event is None or event.name != step.event:
            return None
        if step.where is not None or step.match is not None:
            ctx = turn.context(inst)
            if step.where is not None and not step.where(ctx):
                return None
            if step.match is not None and not step.match(ctx):
                return None
    else:
        outcome = turn.input
        if not isinstance(outcome, Outcome) or outcome.status not in step.outcome_statuses:
            return None
        # Correlated by the command the `of` step sent in this instance; a skipped send sent
        # none, so nothing matches and the timeout decides.
        command = inst.commands.get(step.of) if step.of is not None else None
        if command is None or outcome.command_id != command:
            return None
    turn.note(inst, journey, "step_completed", step.id, "event")
    return step.on_event


def resume_wait_for(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledWaitFor
) -> Flow:
    """The timeout passed with nothing matching: take `on_timeout`."""
    turn.note(inst, journey, "step_completed", step.id, "timeout")
    return step.on_timeout
