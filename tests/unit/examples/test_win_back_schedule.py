"""win-back: a weekly schedule enters lapsed customers; a 180-day cooldown keeps them out."""

from __future__ import annotations

import pytest

from examples.story import Trace, run

J = "win-back"
M = "lapsed"
MISS_YOU = ("miss-you", "email", "winback-miss-you-email")
FIRST_MONDAY = "2026-02-02T09:00:00Z"  # 10:00 in Berlin
SECOND_MONDAY = "2026-02-09T09:00:00Z"


@pytest.fixture(scope="module")
def trace() -> Trace:
    return run(J)


def test_the_monday_schedule_enters_only_the_lapsed_audience(trace: Trace) -> None:
    entries = sorted(
        (t["at"], t["customer_id"]) for t in trace.document["transitions"] if t["kind"] == "entered"
    )
    # Dan ordered recently, finn never ordered; eve crosses 90 days during the first week.
    assert entries == [
        (FIRST_MONDAY, "ana"),
        (FIRST_MONDAY, "ben"),
        (FIRST_MONDAY, "cleo"),
        (SECOND_MONDAY, "eve"),
    ]


def test_an_order_after_the_email_is_a_conversion(trace: Trace) -> None:
    assert trace.commands("ana") == [(*MISS_YOU, FIRST_MONDAY)]
    assert trace.key("ana")[-2:] == [
        ("2026-02-04T18:00:00Z", "converted", M, None, "goal"),
        ("2026-02-04T18:00:00Z", "exited", M, None, "goal"),
    ]


def test_a_week_later_the_offer_goes_by_sms_and_email(trace: Trace) -> None:
    assert trace.commands("ben") == [
        (*MISS_YOU, FIRST_MONDAY),
        ("offer-sms", "sms", "winback-offer-sms", SECOND_MONDAY),
        ("offer-email", "email", "winback-offer-email", SECOND_MONDAY),
    ]
    assert trace.key("ben")[-1] == ("2026-02-23T09:00:00Z", "exited", M, None, "completed")


def test_without_email_consent_only_the_sms_offer_goes(trace: Trace) -> None:
    assert trace.commands("cleo") == [("offer-sms", "sms", "winback-offer-sms", SECOND_MONDAY)]
    assert [row for row in trace.key("cleo") if row[1] == "suppressed"] == [
        (FIRST_MONDAY, "suppressed", M, "miss-you", "no_consent"),
        (SECOND_MONDAY, "suppressed", M, "offer-email", "no_consent"),
    ]


def test_still_lapsed_customers_are_not_entered_again_within_the_cooldown(
    trace: Trace,
) -> None:
    # Ben and cleo match the audience every Monday until 90 days after the last input.
    assert [row[0] for row in trace.key("ben") if row[1] == "entered"] == [FIRST_MONDAY]
    assert [row[0] for row in trace.key("cleo") if row[1] == "entered"] == [FIRST_MONDAY]


def test_a_customer_lapsing_later_enters_on_the_next_monday(trace: Trace) -> None:
    assert trace.commands("eve") == [
        (*MISS_YOU, SECOND_MONDAY),
        ("offer-email", "email", "winback-offer-email", "2026-02-16T09:00:00Z"),
    ]
    assert trace.key("eve")[-1] == ("2026-03-02T09:00:00Z", "exited", M, None, "completed")
