"""support-follow-up: survey at 10:00 local, the answer for that ticket decides what follows."""

from __future__ import annotations

import pytest

from examples.story import Trace, final_profile, run

J = "support-follow-up"
M = "ticket-resolved"
SURVEY = ("survey", "email", "csat-survey-email")


@pytest.fixture(scope="module")
def trace() -> Trace:
    return run(J)


def test_the_survey_goes_at_ten_in_the_morning_of_each_customers_zone(trace: Trace) -> None:
    assert trace.commands("ana")[0] == (*SURVEY, "2026-03-04T09:00:00Z")  # 10:00 Berlin
    assert trace.commands("ben")[0] == (*SURVEY, "2026-03-04T15:00:00Z")  # 10:00 New York


def test_a_good_score_for_the_ticket_is_thanked(trace: Trace) -> None:
    assert trace.commands("ana") == [
        (*SURVEY, "2026-03-04T09:00:00Z"),
        ("thanks", "email", "csat-thanks-email", "2026-03-04T09:30:00Z"),
    ]
    assert trace.key("ana")[-1] == ("2026-03-04T09:30:00Z", "exited", M, "satisfied", "exit")


def test_a_low_score_flags_escalates_and_apologises(trace: Trace) -> None:
    assert trace.commands("ben") == [
        (*SURVEY, "2026-03-04T15:00:00Z"),
        ("escalate", "webhook", "support-escalation-webhook", "2026-03-04T16:00:00Z"),
        ("apology", "email", "support-apology-email", "2026-03-04T16:00:00Z"),
    ]
    assert final_profile(J, "ben")["at_risk"] is True
    assert "at_risk" not in final_profile(J, "ana")
    assert trace.key("ben")[-1] == ("2026-03-04T16:00:00Z", "exited", M, None, "completed")


def test_an_answer_about_another_ticket_does_not_count(trace: Trace) -> None:
    # Cleo answers for T-299 while T-300 waits: nothing follows, and the wait times out.
    assert trace.commands("cleo") == [(*SURVEY, "2026-03-04T09:00:00Z")]
    assert [row for row in trace.transitions("cleo") if row[0] == "2026-03-04T12:00:00Z"] == []
    assert trace.key("cleo")[-1] == (
        "2026-03-07T09:00:00Z",
        "exited",
        M,
        "wait-for-answer",
        "exit",
    )


def test_the_survey_is_a_service_message_that_ignores_marketing_consent(trace: Trace) -> None:
    # Dan declined marketing email.
    assert trace.commands("dan") == [(*SURVEY, "2026-03-04T09:00:00Z")]
    assert {c["category"] for c in trace.document["commands"]} == {"transactional"}
