"""`wait`: pause for a duration, or until a time of day in the customer's time zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import TYPE_CHECKING

from waymark.core.engine.clock import customer_zone, next_local_time
from waymark.core.engine.state import JourneyInstance
from waymark.core.engine.steps.base import STOP, CompiledStep, Flow
from waymark.core.journeys.steps import WaitStep

if TYPE_CHECKING:
    from waymark.core.engine.compiled import CompiledJourney
    from waymark.core.engine.turn import Turn

__all__ = ["CompiledWait", "compile_wait", "resume_wait", "run_wait"]


@dataclass(frozen=True, slots=True)
class CompiledWait(CompiledStep):
    """A wait step: exactly one of `duration` and `until` is set."""

    duration: timedelta | None
    until: time | None


def compile_wait(step: WaitStep, index: int, positions: Mapping[str, int]) -> CompiledWait:
    """Compile a wait step."""
    spec = step.wait
    return CompiledWait(step.id, index, index + 1, spec.duration, spec.until)


def run_wait(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledWait
) -> Flow:
    """Set the timer and pause."""
    if step.duration is not None:
        turn.wait(inst, "duration", turn.now + step.duration)
        turn.note(inst, journey, "waiting", step.id, "duration")
    else:
        assert step.until is not None
        due = next_local_time(turn.now, step.until, customer_zone(turn.state.profile))
        turn.wait(inst, "until", due)
        turn.note(inst, journey, "waiting", step.id, "until")
    return STOP


def resume_wait(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledWait
) -> Flow:
    """The time has come: carry on with the next step."""
    turn.note(inst, journey, "step_completed", step.id)
    return step.next
