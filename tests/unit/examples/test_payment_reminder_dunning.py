"""payment-reminder: a transactional dunning flow, converted by a payment within 14 days."""

from __future__ import annotations

import pytest

from examples.story import Trace, run

J = "payment-reminder"
M = "past-due"
NOTICE = ("failed-notice", "email", "payment-failed-email")
REMINDER = ("reminder", "email", "payment-reminder-email")


@pytest.fixture(scope="module")
def trace() -> Trace:
    return run(J)


def test_a_payment_within_the_window_converts_and_stops_the_reminders(trace: Trace) -> None:
    assert trace.commands("ana") == [(*NOTICE, "2026-03-02T06:00:00Z")]
    assert trace.key("ana")[-2:] == [
        ("2026-03-04T15:00:00Z", "converted", M, None, "goal"),
        ("2026-03-04T15:00:00Z", "exited", M, None, "goal"),
    ]


def test_an_unpaid_invoice_gets_reminder_and_final_notice_on_sms_and_email(
    trace: Trace,
) -> None:
    assert trace.commands("ben") == [
        (*NOTICE, "2026-03-02T06:00:00Z"),
        (*REMINDER, "2026-03-05T06:00:00Z"),
        ("final-notice-sms", "sms", "payment-final-notice-sms", "2026-03-09T06:00:00Z"),
        ("final-notice-email", "email", "payment-final-notice-email", "2026-03-09T06:00:00Z"),
    ]
    # The flow ends on day 7, but the goal window is open until day 14: only then completed.
    assert ("2026-03-09T06:00:00Z", "waiting", M, None, "goal") in trace.transitions("ben")
    assert trace.key("ben")[-1] == ("2026-03-16T06:00:00Z", "exited", M, None, "completed")


def test_billing_notices_reach_a_customer_who_declined_marketing(trace: Trace) -> None:
    assert [row[:3] for row in trace.commands("cleo")] == [NOTICE, REMINDER]
    assert {c["category"] for c in trace.command_rows("cleo")} == {"transactional"}
    assert [row for row in trace.key("cleo") if row[1] == "suppressed"] == []
    assert trace.key("cleo")[-2][1:] == ("converted", M, None, "goal")


def test_a_hard_bounce_suppresses_the_address_for_the_later_notices(trace: Trace) -> None:
    assert trace.commands("dan") == [(*NOTICE, "2026-03-02T06:00:00Z")]
    assert trace.key("dan")[2:] == [
        ("2026-03-02T06:00:05Z", "step_failed", M, "failed-notice", "bounced"),
        ("2026-03-05T06:00:00Z", "suppressed", M, "reminder", "suppressed_address"),
        ("2026-03-09T06:00:00Z", "suppressed", M, "final-notice-email", "suppressed_address"),
        ("2026-03-16T06:00:00Z", "exited", M, None, "completed"),
    ]


def test_cancelling_the_subscription_exits_before_the_reminder(trace: Trace) -> None:
    assert trace.commands("eve") == [(*NOTICE, "2026-03-02T06:00:00Z")]
    assert trace.key("eve")[-1] == ("2026-03-03T09:00:00Z", "exited", M, None, "exit_when")


def test_a_transactional_notice_is_not_held_for_quiet_hours(trace: Trace) -> None:
    # 23:30 in Berlin, and the journey is transactional: sent at once.
    assert trace.commands("finn") == [(*NOTICE, "2026-03-02T22:30:00Z")]
    assert trace.key("finn")[-2][1] == "converted"
