"""password-reset: entered through the trigger API, the payload choosing email or SMS."""

from __future__ import annotations

import pytest

from examples.story import Trace, run

J = "password-reset"
M = "reset-requested"
EMAIL = ("reset-link-email", "email", "password-reset-email")


@pytest.fixture(scope="module")
def trace() -> Trace:
    return run(J)


def test_a_reset_link_goes_at_once_at_night_without_any_consent(trace: Trace) -> None:
    assert trace.commands("ana") == [(*EMAIL, "2026-03-02T22:50:00Z")]
    assert trace.key("ana") == [
        ("2026-03-02T22:50:00Z", "entered", M, None, None),
        ("2026-03-02T22:50:00Z", "milestone_entered", M, None, None),
        ("2026-03-02T22:50:00Z", "exited", M, None, "completed"),
    ]


def test_the_payload_method_sends_a_code_by_sms_instead(trace: Trace) -> None:
    assert trace.commands("ben") == [
        ("reset-code-sms", "sms", "password-reset-sms", "2026-03-02T10:00:00Z")
    ]
    assert trace.key("ben")[-1] == ("2026-03-02T10:00:00Z", "exited", M, "code-sent", "exit")


def test_every_request_gets_its_own_message(trace: Trace) -> None:
    assert trace.commands("cleo") == [
        (*EMAIL, "2026-03-02T10:00:00Z"),
        (*EMAIL, "2026-03-02T10:05:00Z"),
    ]
    assert len({c["command_id"] for c in trace.command_rows("cleo")}) == 2


def test_an_sms_request_without_a_phone_number_is_suppressed(trace: Trace) -> None:
    assert trace.commands("dan") == []
    assert ("2026-03-02T10:00:00Z", "suppressed", M, "reset-code-sms", "no_address") in (
        trace.key("dan")
    )
