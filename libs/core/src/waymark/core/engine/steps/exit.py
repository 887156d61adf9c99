"""`exit`: leave the journey."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from waymark.core.engine.state import JourneyInstance
from waymark.core.engine.steps.base import EXIT_JUMP, CompiledStep, Flow
from waymark.core.journeys.steps import ExitStep

if TYPE_CHECKING:
    from waymark.core.engine.compiled import CompiledJourney
    from waymark.core.engine.turn import Turn

__all__ = ["CompiledExit", "compile_exit", "run_exit"]


@dataclass(frozen=True, slots=True)
class CompiledExit(CompiledStep):
    """An exit step."""


def compile_exit(step: ExitStep, index: int, positions: Mapping[str, int]) -> CompiledExit:
    """Compile an exit step."""
    return CompiledExit(step.id, index, index + 1)


def run_exit(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledExit
) -> Flow:
    """Complete the step; the runner ends the instance."""
    turn.note(inst, journey, "step_completed", step.id)
    return EXIT_JUMP
