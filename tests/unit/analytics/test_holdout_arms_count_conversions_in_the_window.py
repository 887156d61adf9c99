"""An assigned entry converts when a goal event of its customer comes after the assignment and
within the goal's window; both arms are measured alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from waymark.analytics.lift import ArmCount, Assignment, count_arms

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
WEEK = timedelta(days=7)


def test_only_goal_events_after_the_assignment_and_inside_the_window_count() -> None:
    assignments = [
        Assignment("in-window", T0, False, WEEK),
        Assignment("before", T0, False, WEEK),
        Assignment("too-late", T0, False, WEEK),
        Assignment("at-the-same-instant", T0, False, WEEK),
        Assignment("never", T0, False, WEEK),
        Assignment("control-converts", T0, True, WEEK),
        Assignment("control-stays", T0, True, WEEK),
    ]
    goals = {
        "in-window": [T0 + timedelta(days=2)],
        "before": [T0 - timedelta(hours=1)],
        "too-late": [T0 + WEEK + timedelta(seconds=1)],
        "at-the-same-instant": [T0],
        "control-converts": [T0 - timedelta(days=1), T0 + WEEK],
    }
    control, treatment = count_arms(assignments, goals)
    assert control == ArmCount(entries=2, conversions=1)
    assert treatment == ArmCount(entries=5, conversions=1)
    assert control.rate == 0.5
    assert treatment.rate == 0.2


def test_each_entry_of_a_returning_customer_is_judged_on_its_own_window() -> None:
    later = T0 + timedelta(days=30)
    assignments = [Assignment("c1", T0, False, WEEK), Assignment("c1", later, False, WEEK)]
    _, treatment = count_arms(assignments, {"c1": [T0 + timedelta(days=1)]})
    assert treatment == ArmCount(entries=2, conversions=1)


def test_an_empty_arm_has_no_rate() -> None:
    control, _ = count_arms([Assignment("c1", T0, False, WEEK)], {})
    assert control == ArmCount(0, 0)
    assert control.rate is None
