"""`branch`: the first case whose condition holds chooses the next step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from waymark.core.engine.state import JourneyInstance
from waymark.core.engine.steps.base import CompiledStep, Flow, resolve_jump
from waymark.core.journeys.conditions import Predicate, compile_condition
from waymark.core.journeys.steps import BranchStep

if TYPE_CHECKING:
    from waymark.core.engine.compiled import CompiledJourney
    from waymark.core.engine.turn import Turn

__all__ = ["CompiledBranch", "compile_branch", "run_branch"]


@dataclass(frozen=True, slots=True)
class CompiledBranch(CompiledStep):
    """A branch step: (predicate, target) cases, then the `else` target."""

    cases: tuple[tuple[Predicate, Flow], ...]
    otherwise: Flow


def compile_branch(step: BranchStep, index: int, positions: Mapping[str, int]) -> CompiledBranch:
    """Compile a branch step; without `else` it falls through to the next step."""
    cases = tuple(
        (compile_condition(case.when), resolve_jump(case.goto, positions, index + 1))
        for case in step.branch.cases
    )
    otherwise = resolve_jump(step.branch.else_, positions, index + 1)
    return CompiledBranch(step.id, index, index + 1, cases, otherwise)


def run_branch(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledBranch
) -> Flow:
    """Go where the first matching case points."""
    ctx = turn.context(inst)
    for when, target in step.cases:
        if when(ctx):
            turn.note(inst, journey, "step_completed", step.id)
            return target
    turn.note(inst, journey, "step_completed", step.id, "else")
    return step.otherwise
