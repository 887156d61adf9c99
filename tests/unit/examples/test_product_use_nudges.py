"""product-use-nudges: a condition trigger on usage, outcome waits, goal and re-entry cooldown."""

from __future__ import annotations

import pytest

from examples.story import Trace, run

J = "product-use-nudges"
M = "low-usage"
TIP = ("usage-tip", "email", "usage-tip-email")
PUSH = ("usage-tip-push", "push", "usage-tip-push")
HELP = ("help-offer", "email", "usage-help-email")


@pytest.fixture(scope="module")
def trace() -> Trace:
    return run(J)


def test_entry_happens_when_usage_drops_not_while_it_is_high(trace: Trace) -> None:
    entries = [row[0] for row in trace.key("ana") if row[1] == "entered"]
    # Active 5 days on 2 March (no entry), 1 day on 9 March (entry).
    assert entries[0] == "2026-03-09T09:00:00Z"


def test_a_click_counts_as_an_open_so_no_push_follows(trace: Trace) -> None:
    assert ("2026-03-09T10:30:00Z", "step_completed", M, "wait-for-open", "event") in (
        trace.transitions("ana")
    )
    assert [row[0] for row in trace.commands("ana")] == ["usage-tip", "usage-tip"]


def test_using_a_feature_is_the_conversion(trace: Trace) -> None:
    assert trace.key("ana")[2:4] == [
        ("2026-03-10T14:00:00Z", "converted", M, None, "goal"),
        ("2026-03-10T14:00:00Z", "exited", M, None, "goal"),
    ]


def test_a_new_drop_enters_again_only_after_the_thirty_day_cooldown(trace: Trace) -> None:
    # The drop of 23 March is 14 days after the entry of 9 March; the one of 13 April is not.
    entries = [row[0] for row in trace.key("ana") if row[1] == "entered"]
    assert entries == ["2026-03-09T09:00:00Z", "2026-04-13T09:00:00Z"]
    assert trace.commands("ana") == [
        (*TIP, "2026-03-09T09:00:00Z"),
        (*TIP, "2026-04-13T09:00:00Z"),
    ]
    assert trace.key("ana")[-2][:2] == ("2026-04-14T09:00:00Z", "converted")


def test_an_unopened_tip_is_pushed_then_help_is_offered(trace: Trace) -> None:
    assert trace.commands("ben") == [
        (*TIP, "2026-03-02T09:00:00Z"),
        (*PUSH, "2026-03-04T09:00:00Z"),
        (*HELP, "2026-03-07T09:00:00Z"),
    ]
    # No feature used: the goal window of ten days runs out.
    assert trace.key("ben")[-1] == ("2026-03-12T09:00:00Z", "exited", M, None, "completed")


def test_each_nudge_for_an_unreachable_customer_is_suppressed_with_its_reason(
    trace: Trace,
) -> None:
    assert trace.commands("cleo") == []
    assert [row for row in trace.key("cleo") if row[1] == "suppressed"] == [
        ("2026-03-02T09:00:00Z", "suppressed", M, "usage-tip", "no_consent"),
        ("2026-03-04T09:00:00Z", "suppressed", M, "usage-tip-push", "no_address"),
        ("2026-03-07T09:00:00Z", "suppressed", M, "help-offer", "no_consent"),
    ]


def test_a_free_plan_customer_is_not_nudged(trace: Trace) -> None:
    assert trace.transitions("dan") == []
