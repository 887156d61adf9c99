"""What every compiled step shares: its place in the milestone and how jumps resolve."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from waymark.core.errors import DefinitionError
from waymark.core.journeys.steps import EXIT

__all__ = ["EXIT_JUMP", "STOP", "CompiledStep", "Flow", "resolve_jump"]

Flow = int
"""What a step hands back to the runner: the index of the next step, EXIT_JUMP or STOP."""

STOP: Flow = -1
"""The step set a wait or ended the instance itself: the runner stops here."""

EXIT_JUMP: Flow = -2
"""The step jumped to `exit`: the runner ends the instance."""


@dataclass(frozen=True, slots=True)
class CompiledStep:
    """A step of one pinned journey version, with its jumps resolved to indices."""

    id: str
    index: int
    next: Flow
    """The step after this one in the list (== the milestone's length at the end)."""


def resolve_jump(target: str | None, positions: Mapping[str, int], default: Flow) -> Flow:
    """The index a jump target names: `exit`, a step id, or `default` when there is no jump."""
    if target is None:
        return default
    if target == EXIT:
        return EXIT_JUMP
    try:
        return positions[target]
    except KeyError:
        raise DefinitionError(f"no step {target!r} in this milestone") from None
