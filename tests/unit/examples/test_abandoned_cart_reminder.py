"""discover-shop-buy: the reminder and incentive for one cart, correlated by cart_id."""

from __future__ import annotations

import pytest

from examples.story import Trace, run
from waymark.core.engine.ids import bucket

J = "discover-shop-buy"
M = "cart-abandoned"
REMINDER = ("reminder", "email", "cart-reminder-email")
INCENTIVE = ("incentive", "email", "cart-incentive-email")


@pytest.fixture(scope="module")
def trace() -> Trace:
    return run(J)


def test_an_order_of_the_same_cart_within_the_hour_cancels_the_reminder(trace: Trace) -> None:
    assert trace.commands("ana") == []
    assert trace.key("ana") == [
        ("2026-03-02T09:00:00Z", "entered", M, None, None),
        ("2026-03-02T09:00:00Z", "milestone_entered", M, None, None),
        ("2026-03-02T09:25:00Z", "exited", M, "wait-for-order", "exit"),
    ]


def test_an_order_of_another_cart_does_not_cancel_the_reminder(trace: Trace) -> None:
    # Ben orders cart-b1 at 09:20 while cart-b2 waits: the reminder for cart-b2 still goes.
    assert trace.commands("ben") == [(*REMINDER, "2026-03-02T10:00:00Z")]
    assert [row for row in trace.transitions("ben") if row[0] == "2026-03-02T09:20:00Z"] == []
    assert trace.key("ben")[-1] == (
        "2026-03-02T14:00:00Z",
        "exited",
        M,
        "wait-after-reminder",
        "exit",
    )


def test_a_shopper_who_does_not_come_back_gets_the_incentive_then_completes(
    trace: Trace,
) -> None:
    assert trace.commands("dan") == [
        (*REMINDER, "2026-03-02T10:00:00Z"),
        (*INCENTIVE, "2026-03-03T10:00:00Z"),
    ]
    assert trace.key("dan")[-1] == ("2026-03-05T10:00:00Z", "exited", M, None, "completed")


def test_without_email_consent_both_sends_are_suppressed(trace: Trace) -> None:
    assert trace.commands("cleo") == []
    assert trace.key("cleo") == [
        ("2026-03-02T09:00:00Z", "entered", M, None, None),
        ("2026-03-02T09:00:00Z", "milestone_entered", M, None, None),
        ("2026-03-02T10:00:00Z", "suppressed", M, "reminder", "no_consent"),
        ("2026-03-03T10:00:00Z", "suppressed", M, "incentive", "no_consent"),
        ("2026-03-05T10:00:00Z", "exited", M, None, "completed"),
    ]


def test_the_control_group_gets_the_reminder_but_no_incentive(trace: Trace) -> None:
    # The split is derived from the customer id: omar falls in the 20% control group.
    assert bucket("omar", J, "incentive-split", "control") < 20
    assert bucket("dan", J, "incentive-split", "control") >= 20
    assert trace.commands("omar") == [(*REMINDER, "2026-03-02T10:00:00Z")]
    assert trace.key("omar")[-1] == (
        "2026-03-03T10:00:00Z",
        "exited",
        M,
        "incentive-split",
        "holdout",
    )


def test_quiet_hours_hold_a_late_reminder_until_eight_in_berlin(trace: Trace) -> None:
    # Checkout at 20:30 Berlin; the reminder falls due at 21:30, inside 21:00–08:00.
    assert ("2026-03-02T20:30:00Z", "waiting", M, "reminder", "quiet_hours") in (
        trace.transitions("finn")
    )
    assert trace.commands("finn") == [
        (*REMINDER, "2026-03-03T07:00:00Z"),
        (*INCENTIVE, "2026-03-04T07:00:00Z"),
    ]


def test_an_empty_checkout_does_not_enter(trace: Trace) -> None:
    assert trace.transitions("gus") == []


def test_every_command_is_a_marketing_email_of_this_journey(trace: Trace) -> None:
    commands = trace.document["commands"]
    assert len(commands) == 6
    assert {(c["journey_id"], c["category"], c["channel"]) for c in commands} == {
        (J, "marketing", "email")
    }


def test_the_same_orders_are_confirmed_when_run_with_order_confirmation(trace: Trace) -> None:
    together = run(J, "order-confirmation")
    cart = [c for c in together.document["commands"] if c["journey_id"] == J]
    confirmations = [
        (c["customer_id"], c["template"], c["at"])
        for c in together.document["commands"]
        if c["journey_id"] == "order-confirmation"
    ]
    # Transactional sends do not count towards the marketing frequency cap.
    assert cart == trace.document["commands"]
    assert confirmations == [
        ("ben", "order-confirmation-email", "2026-03-02T09:20:00Z"),
        ("ana", "order-confirmation-email", "2026-03-02T09:25:00Z"),
        ("ben", "order-confirmation-email", "2026-03-02T14:00:00Z"),
    ]
