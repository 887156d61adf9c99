"""A tick whose timer is no longer current (replaced, cancelled, malformed) is ignored."""

from __future__ import annotations

from engine.driver import T0, Engine, days, hours, journey_doc
from waymark.core.engine import to_bytes

STEPS = [
    {"id": "first", "wait": {"duration": "P1D"}},
    {"id": "second", "wait": {"duration": "P1D"}},
    {"id": "hello", "send": {"channel": "email", "template": "hello"}},
]


def _engine() -> Engine:
    eng = Engine(journey_doc(STEPS, exit_when={"event": "stop"}))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    return eng


def test_a_tick_of_an_earlier_generation_is_ignored() -> None:
    eng = _engine()
    (old_timer,) = eng.timers
    eng.advance(T0 + days(1))  # first wait done: the second one has a new generation
    before = to_bytes(eng.state())

    decision = eng.tick(old_timer, T0 + days(1.5))

    assert decision.commands == ()
    assert decision.transitions == ()
    assert to_bytes(decision.state) == before


def test_a_tick_after_an_exit_is_ignored() -> None:
    eng = _engine()
    (timer,) = eng.timers
    eng.track("stop", T0 + hours(1))
    decision = eng.tick(timer, T0 + days(1))
    assert decision.transitions == ()


def test_a_malformed_timer_id_is_ignored() -> None:
    eng = _engine()
    decision = eng.tick("nonsense", T0 + days(1))
    assert decision.transitions == ()


def test_a_due_wait_fires_on_any_later_input_and_its_tick_is_then_stale() -> None:
    eng = _engine()
    (timer,) = eng.timers
    eng.track("unrelated", T0 + days(1.2))
    assert ("step_completed", "first", None) in eng.trace()
    decision = eng.tick(timer, T0 + days(1.3))
    assert decision.transitions == ()
