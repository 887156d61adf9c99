"""The funnel counts, per milestone, who entered it and who reached it or a later one:
customers move forward only and may skip a milestone."""

from __future__ import annotations

from datetime import UTC, datetime

from waymark.analytics.catalog import JourneyOutline
from waymark.analytics.queries import InstanceRow, TransitionRow
from waymark.analytics.stats import funnel

OUTLINE = JourneyOutline(
    "lifecycle",
    1,
    "active",
    "marketing",
    "Lifecycle",
    datetime(2026, 1, 5, tzinfo=UTC),
    (("aware", "Awareness"), ("consider", None), ("buy", "Purchase")),
    (),
    None,
)


def test_reached_counts_skips_and_rates_follow() -> None:
    transitions = [
        TransitionRow("lifecycle", 1, "entered", None, None, None, 10),
        TransitionRow("lifecycle", 1, "milestone_entered", "aware", None, None, 8),
        TransitionRow("lifecycle", 1, "milestone_entered", "consider", None, None, 4),
        TransitionRow("lifecycle", 1, "milestone_entered", "buy", None, None, 3),
        TransitionRow("lifecycle", 1, "converted", None, None, "goal", 2),
    ]
    instances = [
        InstanceRow("lifecycle", 1, "active", None, None, 2),  # before the first milestone
        InstanceRow("lifecycle", 1, "active", "aware", "hello", 3),
        InstanceRow("lifecycle", 1, "exited", "aware", None, 1),
        InstanceRow("lifecycle", 1, "active", "consider", None, 1),
        InstanceRow("lifecycle", 1, "exited", "buy", None, 3),  # one of them skipped consider
    ]
    result = funnel(OUTLINE, None, transitions, instances)
    assert result.entries == 10
    assert [(m.milestone_id, m.entered, m.reached) for m in result.milestones] == [
        ("aware", 8, 8),
        ("consider", 4, 4),
        ("buy", 3, 3),
    ]
    assert [m.rate_from_previous for m in result.milestones] == [0.8, 0.5, 0.75]
    assert result.milestones[2].rate_from_entry == 0.3
    assert (result.converted, result.conversion_rate) == (2, 0.2)


def test_an_empty_journey_has_no_rates() -> None:
    result = funnel(OUTLINE, 1, [], [])
    assert [m.rate_from_entry for m in result.milestones] == [None, None, None]
    assert result.conversion_rate is None
