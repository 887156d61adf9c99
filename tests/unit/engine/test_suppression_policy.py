"""Suppressed addresses (hard bounce) are skipped by marketing and transactional alike."""

from __future__ import annotations

from engine.driver import T0, Engine, hours, journey_doc
from waymark.core.engine.decision import SendCommand

TWO_SENDS = [
    {"id": "first", "send": {"channel": "email", "template": "first"}},
    {"id": "pause", "wait": {"duration": "PT2H"}},
    {"id": "second", "send": {"channel": "email", "template": "second"}},
]


def _bounced(category: str, reason: str | None = None) -> Engine:
    eng = Engine(journey_doc(TWO_SENDS, type=category))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    first: SendCommand = eng.commands[0]
    eng.outcome(first, "bounced", T0 + hours(1), reason=reason)
    eng.advance(T0 + hours(3))
    return eng


def test_hard_bounce_suppresses_marketing_sends() -> None:
    eng = _bounced("marketing")
    assert eng.sent() == ["first"]
    assert ("suppressed", "second", "suppressed_address") in eng.trace()
    assert eng.state().suppressed == {"email": "hard_bounce"}


def test_hard_bounce_suppresses_transactional_sends() -> None:
    eng = _bounced("transactional")
    assert eng.sent() == ["first"]
    assert ("suppressed", "second", "suppressed_address") in eng.trace()


def test_a_soft_bounce_does_not_suppress() -> None:
    eng = _bounced("marketing", reason="soft")
    assert eng.sent() == ["first", "second"]


def test_a_new_address_is_not_suppressed() -> None:
    eng = Engine(journey_doc(TWO_SENDS))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    eng.outcome(eng.commands[0], "bounced", T0 + hours(1))
    eng.identify(T0 + hours(1.5), email="new@example.com")
    eng.advance(T0 + hours(3))

    assert eng.sent() == ["first", "second"]
    assert eng.commands[1].address == "new@example.com"


def test_failed_outcome_with_a_dead_address_suppresses_the_channel() -> None:
    from datetime import UTC, datetime

    from waymark.core.engine import Catalog, CustomerState, Outcome, decide

    state = CustomerState.new("c1")
    at = datetime(2026, 1, 5, tzinfo=UTC)
    for reason, suppressed in (("timeout", False), ("hard_bounce", True)):
        outcome = Outcome(f"o-{reason}", "c1", at, "failed", channel="email", reason=reason)
        after = decide(state, outcome, Catalog(), at).state
        assert ("email" in after.suppressed) is suppressed, reason
