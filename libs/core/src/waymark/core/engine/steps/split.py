"""`split`: a deterministic path per customer, and an optional control group that holds out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from waymark.core.engine.ids import bucket
from waymark.core.engine.state import JourneyInstance
from waymark.core.engine.steps.base import STOP, CompiledStep, Flow, resolve_jump
from waymark.core.journeys.steps import SplitStep

if TYPE_CHECKING:
    from waymark.core.engine.compiled import CompiledJourney
    from waymark.core.engine.turn import Turn

__all__ = ["HOLDOUT", "CompiledSplit", "compile_split", "run_split"]

HOLDOUT = "holdout"
"""The reason of the exit of a customer the split put in the control group."""


@dataclass(frozen=True, slots=True)
class CompiledSplit(CompiledStep):
    """A split step: cumulative weight bounds (0–100) with their targets, and the control share."""

    paths: tuple[tuple[float, Flow, str], ...]
    control: float


def compile_split(step: SplitStep, index: int, positions: Mapping[str, int]) -> CompiledSplit:
    """Compile a split; weights are scaled to 100 so a validator slip cannot strand anyone."""
    total = sum(path.weight for path in step.split.paths) or 1
    bounds: list[tuple[float, Flow, str]] = []
    running = 0.0
    for path in step.split.paths:
        running += path.weight * 100 / total
        bounds.append((running, resolve_jump(path.goto, positions, index + 1), path.goto))
    last_target, last_goto = bounds[-1][1], bounds[-1][2]
    bounds[-1] = (100.0, last_target, last_goto)
    return CompiledSplit(step.id, index, index + 1, tuple(bounds), step.split.control or 0.0)


def run_split(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledSplit
) -> Flow:
    """Put the customer in the control group or on a path, the same way on every replay."""
    customer = turn.state.customer_id
    if step.control > 0 and bucket(customer, inst.journey_id, step.id, "control") < step.control:
        turn.note(inst, journey, "step_completed", step.id, HOLDOUT)
        turn.exit(inst, journey, HOLDOUT, step.id)
        return STOP
    # A second, independent draw: changing the control share does not reshuffle the paths.
    draw = bucket(customer, inst.journey_id, step.id, "path")
    for bound, target, goto in step.paths:
        if draw < bound:
            turn.note(inst, journey, "step_completed", step.id, goto)
            return target
    return step.next  # unreachable: the last bound is 100
