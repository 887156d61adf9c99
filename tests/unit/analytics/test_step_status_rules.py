"""A step's status (seed 000): pending, in progress, completed or failed."""

from __future__ import annotations

import pytest

from waymark.analytics.stats import StepCounts, step_status


@pytest.mark.parametrize(
    ("counts", "status"),
    [
        (StepCounts(), "pending"),
        (StepCounts(entered=3, completed=1, in_step=2), "in progress"),
        (StepCounts(entered=3, failed=3, in_step=1), "in progress"),
        (StepCounts(entered=3, completed=3), "completed"),
        (StepCounts(entered=2, suppressed=2), "completed"),
        (StepCounts(entered=4, completed=3, failed=1), "completed"),
        (StepCounts(entered=2, failed=2), "failed"),
    ],
)
def test_status_of_a_step(counts: StepCounts, status: str) -> None:
    assert step_status(counts) == status
