"""Consent: marketing needs the channel's grant at decision time; transactional does not."""

from __future__ import annotations

from engine.driver import T0, Engine, hours, journey_doc

TWO_SENDS = [
    {"id": "first", "send": {"channel": "email", "template": "first"}},
    {"id": "pause", "wait": {"duration": "PT2H"}},
    {"id": "second", "send": {"channel": "email", "template": "second"}},
]


def test_marketing_without_consent_is_suppressed() -> None:
    eng = Engine(journey_doc())
    eng.identify(T0, email="a@example.com")
    eng.track("start", T0)
    assert eng.commands == []
    assert ("suppressed", "hello", "no_consent") in eng.trace()


def test_consent_on_another_channel_does_not_count() -> None:
    eng = Engine(journey_doc())
    eng.identify(T0, email="a@example.com")
    eng.consent("sms", T0)
    eng.track("start", T0)
    assert eng.commands == []


def test_withdrawn_consent_stops_later_sends() -> None:
    eng = Engine(journey_doc(TWO_SENDS))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    eng.consent("email", T0 + hours(1), granted=False)
    eng.advance(T0 + hours(3))

    assert eng.sent() == ["first"]
    assert ("suppressed", "second", "no_consent") in eng.trace()


def test_an_unsubscribe_outcome_withdraws_consent() -> None:
    eng = Engine(journey_doc(TWO_SENDS))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    eng.outcome(eng.commands[0], "unsubscribed", T0 + hours(1))
    eng.advance(T0 + hours(3))

    assert eng.state().consent["email"] is False
    assert eng.sent() == ["first"]


def test_transactional_ignores_marketing_consent() -> None:
    eng = Engine(journey_doc(type="transactional"))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0, granted=False)
    eng.track("start", T0)
    assert eng.sent() == ["hello"]
    assert eng.commands[0].category == "transactional"
    assert eng.commands[0].consent_granted is False
