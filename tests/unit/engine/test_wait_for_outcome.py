"""`wait_for` an outcome of a send step: correlated by command id; a skipped send times out."""

from __future__ import annotations

from engine.driver import T0, Engine, days, hours, journey_doc

STEPS = [
    {"id": "offer", "send": {"channel": "email", "template": "offer"}},
    {
        "id": "wait-open",
        "wait_for": {
            "outcome": "opened",
            "of": "offer",
            "timeout": "P2D",
            "on_event": "opened-path",
            "on_timeout": "resend",
        },
    },
    {"id": "resend", "send": {"channel": "email", "template": "offer-again"}},
    {"id": "done", "exit": {}},
    {"id": "opened-path", "send": {"channel": "email", "template": "follow-up"}},
]


def _engine(consent: bool = True) -> Engine:
    eng = Engine(journey_doc(STEPS))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0, granted=consent)
    eng.track("start", T0)
    return eng


def test_the_awaited_outcome_of_that_command_takes_on_event() -> None:
    eng = _engine()
    eng.outcome(eng.commands[0], "opened", T0 + hours(1))
    assert eng.sent() == ["offer", "opened-path"]


def test_a_click_implies_the_open() -> None:
    eng = _engine()
    eng.outcome(eng.commands[0], "clicked", T0 + hours(1))
    assert eng.sent() == ["offer", "opened-path"]


def test_another_status_does_not_end_the_wait() -> None:
    eng = _engine()
    eng.outcome(eng.commands[0], "delivered", T0 + hours(1))
    assert eng.sent() == ["offer"]
    eng.advance(T0 + days(3))
    assert eng.sent() == ["offer", "resend"]


def test_a_skipped_send_leaves_only_the_timeout() -> None:
    eng = _engine(consent=False)
    assert ("suppressed", "offer", "no_consent") in eng.trace()
    eng.advance(T0 + days(3))
    assert ("step_completed", "wait-open", "timeout") in eng.trace()


def test_a_failed_outcome_is_traced_as_step_failed() -> None:
    eng = _engine()
    eng.outcome(eng.commands[0], "failed", T0 + hours(1), reason="smtp 550")
    assert ("step_failed", "offer", "failed") in eng.trace()
