"""order-confirmation: every order confirmed at once, whatever the marketing consent."""

from __future__ import annotations

import pytest

from examples.story import Trace, run

J = "order-confirmation"
M = "order-placed"
EMAIL = ("confirmation-email", "email", "order-confirmation-email")
SMS = ("confirmation-sms", "sms", "order-confirmation-sms")


@pytest.fixture(scope="module")
def trace() -> Trace:
    return run(J)


def test_an_order_at_night_without_consent_is_confirmed_at_once(trace: Trace) -> None:
    assert trace.commands("ana") == [(*EMAIL, "2026-03-02T22:30:00Z")]
    assert trace.command_rows("ana")[0]["category"] == "transactional"


def test_a_customer_who_asked_for_sms_updates_gets_sms_and_email(trace: Trace) -> None:
    assert trace.commands("ben") == [
        (*SMS, "2026-03-02T10:00:00Z"),
        (*EMAIL, "2026-03-02T10:00:00Z"),
    ]
    assert trace.key("ben")[-1] == ("2026-03-02T10:00:00Z", "exited", M, None, "completed")


def test_each_order_gets_its_own_confirmation(trace: Trace) -> None:
    assert trace.commands("cleo") == [
        (*EMAIL, "2026-03-02T10:00:00Z"),
        (*EMAIL, "2026-03-02T10:10:00Z"),
    ]
    ids = [c["command_id"] for c in trace.command_rows("cleo")]
    assert len(set(ids)) == 2


def test_a_hard_bounce_suppresses_the_address_until_a_new_one_is_given(trace: Trace) -> None:
    assert trace.commands("dan") == [
        (*EMAIL, "2026-03-02T10:00:00Z"),
        (*EMAIL, "2026-03-02T13:00:00Z"),
    ]
    bounced = ("2026-03-02T11:00:00Z", "suppressed", M, "confirmation-email", "suppressed_address")
    assert bounced in trace.key("dan")


def test_sms_updates_without_a_phone_number_are_suppressed_not_silent(trace: Trace) -> None:
    assert trace.commands("eve") == [(*EMAIL, "2026-03-02T10:00:00Z")]
    assert ("2026-03-02T10:00:00Z", "suppressed", M, "confirmation-sms", "no_address") in (
        trace.key("eve")
    )
