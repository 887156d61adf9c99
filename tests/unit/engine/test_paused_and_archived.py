"""A paused journey holds its customers (no progress, no sends); archived exits them."""

from __future__ import annotations

from engine.driver import T0, Engine, days, hours, journey_doc
from waymark.core.engine import from_bytes, to_bytes

STEPS = [
    {"id": "pause", "wait": {"duration": "P1D"}},
    {"id": "hello", "send": {"channel": "email", "template": "hello"}},
    {"id": "wait-click", "wait_for": {"event": "clicked", "timeout": "P5D"}},
    {"id": "after", "send": {"channel": "email", "template": "after"}},
]


def _engine() -> Engine:
    eng = Engine(journey_doc(STEPS))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    return eng


def test_paused_holds_timers_and_resume_continues_at_once() -> None:
    eng = _engine()
    eng.catalog.set_status("test-journey", "paused")
    eng.catalog_change("test-journey", "paused", T0 + hours(1))
    eng.advance(T0 + days(2))

    assert eng.sent() == []
    held = eng.state().instances["test-journey"].wait
    assert held is not None
    assert held.held
    assert from_bytes(to_bytes(eng.state())) == eng.state()

    eng.catalog.set_status("test-journey", "active")
    eng.catalog_change("test-journey", "resumed", T0 + days(3))
    assert eng.sent() == ["hello"]
    assert eng.commands[0].at == T0 + days(3)


def test_a_held_timer_comes_back_after_a_resume_without_any_input() -> None:
    eng = _engine()
    eng.catalog.set_status("test-journey", "paused")
    eng.advance(T0 + days(2))
    assert eng.sent() == []

    eng.catalog.set_status("test-journey", "active")
    eng.advance(T0 + days(2) + hours(1))
    assert eng.sent() == ["hello"]


def test_paused_ignores_events_and_admits_nobody() -> None:
    eng = _engine()
    eng.advance(T0 + days(1))
    eng.catalog.set_status("test-journey", "paused")
    eng.track("clicked", T0 + days(1.5))
    eng.track("start", T0 + days(1.5), customer="c2")

    assert eng.sent() == ["hello"]
    assert eng.state("c2").instances == {}
    eng.catalog.set_status("test-journey", "active")
    eng.track("clicked", T0 + days(2))
    assert eng.sent() == ["hello", "after"]


def test_exit_when_still_applies_while_paused() -> None:
    eng = Engine(journey_doc(STEPS, exit_when={"event": "account_closed"}))
    eng.track("start", T0)
    eng.catalog.set_status("test-journey", "paused")
    eng.track("account_closed", T0 + hours(1))
    assert eng.trace()[-1] == ("exited", None, "exit_when")


def test_archived_exits_customers_with_a_reason() -> None:
    eng = _engine()
    eng.catalog.set_status("test-journey", "archived")
    decision = eng.catalog_change("test-journey", "archived", T0 + hours(1))

    assert eng.trace()[-1] == ("exited", None, "journey_archived")
    assert [t.action for t in decision.timers] == ["cancel"]
    assert eng.state().instances == {}
    eng.track("start", T0 + days(1), customer="c2")
    assert eng.state("c2").instances == {}
