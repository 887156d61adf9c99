"""`update`: set profile attributes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from waymark.core.engine.state import JourneyInstance
from waymark.core.engine.steps.base import CompiledStep, Flow
from waymark.core.journeys.steps import UpdateStep

if TYPE_CHECKING:
    from waymark.core.engine.compiled import CompiledJourney
    from waymark.core.engine.turn import Turn

__all__ = ["CompiledUpdate", "compile_update", "run_update", "with_assignment"]


@dataclass(frozen=True, slots=True)
class CompiledUpdate(CompiledStep):
    """An update step: (key path under `profile.`, value) pairs."""

    assignments: tuple[tuple[tuple[str, ...], Any], ...]


def compile_update(step: UpdateStep, index: int, positions: Mapping[str, int]) -> CompiledUpdate:
    """Compile an update step."""
    return CompiledUpdate(step.id, index, index + 1, tuple(step.update.assignments()))


def with_assignment(profile: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A new profile with `path` set; nested mappings on the way are copied, never changed."""
    head, rest = path[0], path[1:]
    updated = dict(profile)
    if not rest:
        updated[head] = value
        return updated
    inner = profile.get(head)
    updated[head] = with_assignment(inner if isinstance(inner, dict) else {}, rest, value)
    return updated


def run_update(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledUpdate
) -> Flow:
    """Set the attributes and carry on."""
    profile = turn.state.profile
    for path, value in step.assignments:
        profile = with_assignment(profile, path, value)
    turn.set_profile(profile)
    turn.note(inst, journey, "step_completed", step.id)
    return step.next
