"""Quiet hours, in the customer's time zone, delay marketing sends to the window's end."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.driver import Engine, hours, journey_doc

QUIET = {"start": "21:00", "end": "08:00"}
LATE = datetime(2026, 1, 5, 21, 30, tzinfo=UTC)  # 22:30 in Berlin


def _engine(category: str = "marketing") -> Engine:
    eng = Engine(journey_doc(type=category, quiet_hours=QUIET))
    eng.identify(LATE, email="a@example.com", timezone="Europe/Berlin")
    eng.consent("email", LATE)
    return eng


def test_a_send_inside_quiet_hours_waits_for_their_end() -> None:
    eng = _engine()
    decision = eng.track("start", LATE)

    assert eng.commands == []
    assert ("waiting", "hello", "quiet_hours") in eng.trace()
    morning = datetime(2026, 1, 6, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
    assert decision.timers[0].due_at == morning

    eng.advance(morning)
    assert eng.sent() == ["hello"]
    assert eng.commands[0].at == morning


def test_quiet_hours_follow_the_customer_time_zone() -> None:
    eng = Engine(journey_doc(quiet_hours=QUIET))
    eng.identify(LATE, email="a@example.com", timezone="America/New_York")  # 16:30 there
    eng.consent("email", LATE)
    eng.track("start", LATE)
    assert eng.sent() == ["hello"]


def test_consent_is_checked_again_when_the_window_ends() -> None:
    eng = _engine()
    eng.track("start", LATE)
    eng.consent("email", LATE + hours(1), granted=False)
    eng.advance(LATE + hours(12))

    assert eng.commands == []
    assert ("suppressed", "hello", "no_consent") in eng.trace()


def test_transactional_sends_ignore_quiet_hours() -> None:
    eng = _engine("transactional")
    eng.track("start", LATE)
    assert eng.sent() == ["hello"]
