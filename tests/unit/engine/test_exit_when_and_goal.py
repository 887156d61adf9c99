"""`exit_when` and `goal` act on every input and cancel pending waits at once."""

from __future__ import annotations

from engine.driver import T0, Engine, days, hours, journey_doc

STEPS = [
    {"id": "welcome", "send": {"channel": "email", "template": "welcome"}},
    {"id": "pause", "wait": {"duration": "P2D"}},
    {"id": "nudge", "send": {"channel": "email", "template": "nudge"}},
]


def _engine(**fields: object) -> Engine:
    eng = Engine(journey_doc(STEPS, **fields))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    return eng


def test_exit_when_ends_the_instance_and_cancels_its_wait_at_once() -> None:
    eng = _engine(exit_when={"event": "account_closed"})
    (pending,) = eng.timers
    decision = eng.track("account_closed", T0 + hours(1))

    assert [(t.action, t.timer_id) for t in decision.timers] == [("cancel", pending)]
    assert eng.trace()[-1] == ("exited", None, "exit_when")
    eng.advance(T0 + days(5))
    assert eng.sent() == ["welcome"]


def test_exit_when_on_a_profile_condition() -> None:
    eng = _engine(exit_when={"attr": "profile.unsubscribed_all", "eq": True})
    eng.identify(T0 + hours(1), unsubscribed_all=True)
    assert eng.trace()[-1] == ("exited", None, "exit_when")


def test_a_customer_already_meeting_exit_when_leaves_on_entry() -> None:
    eng = Engine(journey_doc(STEPS, exit_when={"attr": "profile.blocked", "eq": True}))
    eng.identify(T0, email="a@example.com", blocked=True)
    eng.consent("email", T0)
    eng.track("start", T0)
    assert eng.trace() == [("entered", None, None), ("exited", None, "exit_when")]
    assert eng.sent() == []


def test_goal_within_its_window_converts_and_ends() -> None:
    eng = _engine(goal={"event": "order_completed", "within": "P7D"})
    decision = eng.track("order_completed", T0 + days(1))

    assert eng.trace()[-2:] == [("converted", None, "goal"), ("exited", None, "goal")]
    assert [t.action for t in decision.timers] == ["cancel"]


def test_goal_after_its_window_does_not_convert() -> None:
    eng = _engine(goal={"event": "order_completed", "within": "PT1H"})
    eng.track("order_completed", T0 + days(1))
    assert "converted" not in eng.kinds()


def test_the_entering_event_is_not_its_own_conversion() -> None:
    eng = Engine(
        journey_doc(
            STEPS,
            trigger={"event": "order_completed"},
            goal={"event": "order_completed", "within": "P30D"},
        )
    )
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("order_completed", T0)
    assert "converted" not in eng.kinds()
    eng.track("order_completed", T0 + days(1))
    assert "converted" in eng.kinds()


def test_after_the_last_flow_the_goal_window_is_waited_out() -> None:
    eng = Engine(journey_doc(goal={"event": "order_completed", "within": "P7D"}))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    assert eng.trace()[-1] == ("waiting", None, "goal")

    eng.track("order_completed", T0 + days(2))
    assert eng.trace()[-2:] == [("converted", None, "goal"), ("exited", None, "goal")]


def test_an_unconverted_customer_leaves_when_the_goal_window_closes() -> None:
    eng = Engine(journey_doc(goal={"event": "order_completed", "within": "P7D"}))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    eng.advance(T0 + days(8))
    assert eng.trace()[-1] == ("exited", None, "completed")
    assert eng.state().instances == {}
