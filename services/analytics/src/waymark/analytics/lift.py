"""Holdout lift: which assigned entries converted, and a confidence interval of the difference.

Both arms are measured the same way (intention to treat): an entry converted when a customer
event meeting the journey's goal happened after the split assigned it and within the goal's
window. The engine's own `converted` transition cannot serve: the control group left the
journey at the split, so only the events topic knows whether it converted.

The interval is Newcombe's hybrid score interval for a difference of two independent
proportions (Newcombe 1998, method 10), built from the two Wilson score intervals. Unlike the
Wald interval it keeps its coverage with small arms and with rates near 0 or 1.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "Z_95",
    "ArmCount",
    "Assignment",
    "count_arms",
    "newcombe_interval",
    "wilson_interval",
]

Z_95 = 1.959963984540054
"""The two-sided 95% quantile of the standard normal distribution."""


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (trials > 0)."""
    if trials <= 0:
        raise ValueError("a proportion needs at least one trial")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, z: float = Z_95) -> tuple[float, float]:
    """Newcombe's hybrid score interval of p1 - p2 (p1 = x1/n1, p2 = x2/n2)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


@dataclass(frozen=True, slots=True)
class Assignment:
    """An entry the split put in an arm."""

    customer_id: str
    at: datetime
    control: bool
    window: timedelta


@dataclass(frozen=True, slots=True)
class ArmCount:
    """Entries of one arm and how many of them converted."""

    entries: int
    conversions: int

    @property
    def rate(self) -> float | None:
        """conversions / entries, or None for an empty arm."""
        return self.conversions / self.entries if self.entries else None


def count_arms(
    assignments: Iterable[Assignment], goal_times: Mapping[str, Sequence[datetime]]
) -> tuple[ArmCount, ArmCount]:
    """(control, treatment): an entry converted when a goal event of its customer happened
    after its assignment and no later than its window. `goal_times` must be sorted."""
    counts = {True: [0, 0], False: [0, 0]}
    for assignment in assignments:
        arm = counts[assignment.control]
        arm[0] += 1
        times = goal_times.get(assignment.customer_id, ())
        # The first goal event strictly after the assignment decides.
        index = bisect.bisect_right(times, assignment.at)
        if index < len(times) and times[index] <= assignment.at + assignment.window:
            arm[1] += 1
    return ArmCount(*counts[True]), ArmCount(*counts[False])
