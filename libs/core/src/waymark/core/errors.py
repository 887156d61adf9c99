"""Waymark's exception hierarchy, split by what the caller should do about the error."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DefinitionError", "PermanentError", "Problem", "TransientError", "WaymarkError"]


class WaymarkError(Exception):
    """Base of every error Waymark raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition: where (`milestones[0].steps[2].goto`) and why."""

    path: str
    message: str

    def __str__(self) -> str:
        """`path: message`, or the message alone for the document as a whole."""
        return f"{self.path}: {self.message}" if self.path else self.message


class DefinitionError(WaymarkError):
    """A journey definition is rejected, with the path and the reason of every problem."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        """Keep every problem; a plain string becomes one problem without a path."""
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class PermanentError(WaymarkError):
    """Retrying cannot help: the input goes to the DLQ with its cause."""


class TransientError(WaymarkError):
    """A dependency failed for now: retry with backoff."""
