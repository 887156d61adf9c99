"""new-customer-onboarding: seed 001's milestones, entered only with an email, forward only."""

from __future__ import annotations

import pytest

from examples.story import Trace, run

J = "new-customer-onboarding"
REG = "registered"
FIRST = "first-purchase"


@pytest.fixture(scope="module")
def trace() -> Trace:
    return run(J)


def test_a_customer_without_email_waits_before_the_registered_milestone(trace: Trace) -> None:
    # Ben signs up with a phone only: inside the journey, in no milestone, sent nothing.
    assert trace.transitions("ben")[:2] == [
        ("2026-03-02T09:00:00Z", "entered", None, None, None),
        ("2026-03-02T09:00:00Z", "waiting", None, None, "milestone"),
    ]
    assert trace.key("ben")[1] == ("2026-03-03T10:00:00Z", "milestone_entered", REG, None, None)
    assert trace.commands("ben")[0] == ("welcome", "email", "welcome-email", "2026-03-03T10:00:00Z")


def test_an_unopened_welcome_is_followed_by_sms_then_the_first_order_offer(
    trace: Trace,
) -> None:
    assert trace.commands("ben") == [
        ("welcome", "email", "welcome-email", "2026-03-03T10:00:00Z"),
        ("welcome-sms", "sms", "welcome-sms", "2026-03-05T10:00:00Z"),
        ("first-order-offer", "email", "first-order-offer-email", "2026-03-10T10:00:00Z"),
    ]
    # No order: he stays in Registered Customers, waiting for a later milestone.
    last = trace.transitions("ben")[-1]
    assert last == ("2026-03-10T10:00:00Z", "waiting", REG, None, "milestone")
    assert [row for row in trace.key("ben") if row[1] == "exited"] == []


def test_the_first_order_moves_to_first_purchase_and_abandons_the_welcome_flow(
    trace: Trace,
) -> None:
    # Ana opened the welcome (no SMS), then ordered on day 2: the 5-day wait was cancelled,
    # so the first-order offer due on 7 March never goes.
    assert trace.commands("ana") == [
        ("welcome", "email", "welcome-email", "2026-03-02T09:00:00Z"),
        ("thank-you", "email", "thank-you-email", "2026-03-04T12:00:00Z"),
        ("review-request", "email", "review-request-email", "2026-03-11T12:00:00Z"),
    ]
    assert trace.key("ana") == [
        ("2026-03-02T09:00:00Z", "entered", REG, None, None),
        ("2026-03-02T09:00:00Z", "milestone_entered", REG, None, None),
        ("2026-03-04T12:00:00Z", "milestone_entered", FIRST, None, None),
        ("2026-03-11T12:00:00Z", "exited", FIRST, None, "completed"),
    ]


def test_without_consent_the_registered_flow_is_suppressed_step_by_step(trace: Trace) -> None:
    assert trace.commands("cleo") == []
    assert trace.key("cleo") == [
        ("2026-03-02T09:00:00Z", "entered", REG, None, None),
        ("2026-03-02T09:00:00Z", "milestone_entered", REG, None, None),
        ("2026-03-02T09:00:00Z", "suppressed", REG, "welcome", "no_consent"),
        ("2026-03-04T09:00:00Z", "suppressed", REG, "welcome-sms", "no_consent"),
        ("2026-03-09T09:00:00Z", "suppressed", REG, "first-order-offer", "no_consent"),
    ]


def test_a_partner_sign_up_does_not_enter(trace: Trace) -> None:
    assert trace.transitions("dan") == []


def test_a_sign_up_without_source_enters_and_quiet_hours_delay_its_welcome(
    trace: Trace,
) -> None:
    assert ("2026-03-02T21:30:00Z", "waiting", REG, "welcome", "quiet_hours") in (
        trace.transitions("eve")
    )
    assert trace.commands("eve") == [("welcome", "email", "welcome-email", "2026-03-03T07:00:00Z")]


def test_closing_the_account_exits_at_once_and_cancels_the_pending_wait(trace: Trace) -> None:
    assert trace.key("eve")[-1] == ("2026-03-04T09:00:00Z", "exited", REG, None, "exit_when")
    # Her welcome-open wait would have timed out on 5 March: nothing happens after the exit.
    assert trace.transitions("eve")[-1][0] == "2026-03-04T09:00:00Z"
