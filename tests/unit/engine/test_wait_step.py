"""`wait`: a duration, or until a time of day in the customer's time zone (UTC by default)."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.driver import T0, Engine, days, hours, journey_doc

WAIT_THEN_SEND = [
    {"id": "pause", "wait": {"duration": "P1D"}},
    {"id": "hello", "send": {"channel": "email", "template": "hello"}},
]


def _ready(eng: Engine, **traits: str) -> None:
    eng.identify(T0, email="a@example.com", **traits)
    eng.consent("email", T0)


def test_duration_wait_sends_only_when_the_timer_fires() -> None:
    eng = Engine(journey_doc(WAIT_THEN_SEND))
    _ready(eng)
    decision = eng.track("start", T0)

    assert eng.commands == []
    (timer,) = decision.timers
    assert (timer.action, timer.due_at) == ("set", T0 + days(1))
    assert ("waiting", "pause", "duration") in eng.trace()

    eng.advance(T0 + hours(23))
    assert eng.commands == []
    eng.advance(T0 + days(1))
    assert eng.sent() == ["hello"]
    assert eng.commands[0].at == T0 + days(1)


def test_until_waits_for_the_wall_clock_in_the_customer_time_zone() -> None:
    steps = [{"id": "morning", "wait": {"until": "09:00"}}, *WAIT_THEN_SEND[1:]]
    eng = Engine(journey_doc(steps))
    _ready(eng, timezone="Europe/Berlin")
    decision = eng.track("start", T0)  # 11:00 in Berlin: the next 09:00 is tomorrow

    (timer,) = decision.timers
    assert timer.due_at == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    eng.advance(T0 + days(2))
    assert eng.commands[0].at == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)


def test_until_defaults_to_utc_and_can_be_later_today() -> None:
    steps = [{"id": "evening", "wait": {"until": "18:30"}}, *WAIT_THEN_SEND[1:]]
    eng = Engine(journey_doc(steps))
    _ready(eng)
    decision = eng.track("start", T0)

    assert decision.timers[0].due_at == datetime(2026, 1, 5, 18, 30, tzinfo=UTC)


def test_an_unknown_time_zone_falls_back_to_utc() -> None:
    steps = [{"id": "evening", "wait": {"until": "18:30"}}, *WAIT_THEN_SEND[1:]]
    eng = Engine(journey_doc(steps))
    _ready(eng, timezone="Mars/Olympus")
    decision = eng.track("start", T0)

    assert decision.timers[0].due_at == datetime(2026, 1, 5, 18, 30, tzinfo=UTC)
