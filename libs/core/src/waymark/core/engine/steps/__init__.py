"""One module per step type, registered here; compile_step's match makes a new type a type error."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, assert_never

from waymark.core.engine.steps.base import EXIT_JUMP, STOP, CompiledStep, Flow
from waymark.core.engine.steps.branch import CompiledBranch, compile_branch, run_branch
from waymark.core.engine.steps.exit import CompiledExit, compile_exit, run_exit
from waymark.core.engine.steps.send import CompiledSend, compile_send, resume_send, run_send
from waymark.core.engine.steps.split import CompiledSplit, compile_split, run_split
from waymark.core.engine.steps.update import CompiledUpdate, compile_update, run_update
from waymark.core.engine.steps.wait import CompiledWait, compile_wait, resume_wait, run_wait
from waymark.core.engine.steps.wait_for import (
    CompiledWaitFor,
    compile_wait_for,
    match_wait_for,
    resume_wait_for,
    run_wait_for,
)
from waymark.core.journeys.steps import (
    BranchStep,
    ExitStep,
    SendStep,
    SplitStep,
    Step,
    UpdateStep,
    WaitForStep,
    WaitStep,
)

if TYPE_CHECKING:
    from waymark.core.engine.compiled import CompiledJourney
    from waymark.core.engine.state import JourneyInstance
    from waymark.core.engine.turn import Turn

__all__ = [
    "EXIT_JUMP",
    "STEP_TYPES",
    "STOP",
    "CompiledStep",
    "Flow",
    "StepType",
    "compile_step",
]


@dataclass(frozen=True, slots=True)
class StepType:
    """How the runner drives one kind of step."""

    run: Callable[[Turn, JourneyInstance, CompiledJourney, Any], Flow]
    """Enter the step: returns the next index, EXIT_JUMP, or STOP after setting a wait."""
    resume: Callable[[Turn, JourneyInstance, CompiledJourney, Any], Flow] | None = None
    """The step's timer came due."""
    match: Callable[[Turn, JourneyInstance, CompiledJourney, Any], Flow | None] | None = None
    """This input may end the step's wait: the next index, or None when it does not."""


STEP_TYPES: Mapping[type[CompiledStep], StepType] = {
    CompiledSend: StepType(run_send, resume=resume_send),
    CompiledWait: StepType(run_wait, resume=resume_wait),
    CompiledWaitFor: StepType(run_wait_for, resume=resume_wait_for, match=match_wait_for),
    CompiledBranch: StepType(run_branch),
    CompiledSplit: StepType(run_split),
    CompiledUpdate: StepType(run_update),
    CompiledExit: StepType(run_exit),
}


def compile_step(step: Step, index: int, positions: Mapping[str, int]) -> CompiledStep:
    """Compile one step of a milestone whose step ids sit at `positions`."""
    match step:
        case SendStep():
            return compile_send(step, index, positions)
        case WaitStep():
            return compile_wait(step, index, positions)
        case WaitForStep():
            return compile_wait_for(step, index, positions)
        case BranchStep():
            return compile_branch(step, index, positions)
        case SplitStep():
            return compile_split(step, index, positions)
        case UpdateStep():
            return compile_update(step, index, positions)
        case ExitStep():
            return compile_exit(step, index, positions)
        case _:
            assert_never(step)
