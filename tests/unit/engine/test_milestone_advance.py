"""Milestones: the furthest later one whose entry holds becomes current, forward only."""

from __future__ import annotations

from typing import Any

from engine.driver import T0, Engine, days, hours, journey_doc


def _milestones() -> list[dict[str, Any]]:
    return [
        {
            "id": "registered",
            "entry": {"attr": "profile.email", "exists": True},
            "steps": [
                {"id": "welcome", "send": {"channel": "email", "template": "welcome"}},
                {"id": "pause", "wait": {"duration": "P3D"}},
                {"id": "nudge", "send": {"channel": "email", "template": "nudge"}},
            ],
        },
        {
            "id": "active",
            "entry": {"attr": "profile.orders_count", "gte": 1},
            "steps": [{"id": "thanks", "send": {"channel": "email", "template": "thanks"}}],
        },
        {
            "id": "loyal",
            "entry": {"attr": "profile.orders_count", "gte": 5},
            "steps": [
                {"id": "vip", "send": {"channel": "email", "template": "vip"}},
                {"id": "hold", "wait": {"duration": "P30D"}},
            ],
        },
    ]


def _engine() -> Engine:
    eng = Engine(journey_doc(milestones=_milestones()))
    eng.consent("email", T0)
    return eng


def test_without_any_entry_holding_the_customer_waits_before_the_first_milestone() -> None:
    eng = _engine()
    eng.track("start", T0)

    assert eng.trace() == [("entered", None, None), ("waiting", None, "milestone")]
    assert eng.transitions[0].milestone_id is None
    assert eng.sent() == []

    eng.identify(T0 + hours(1), email="a@example.com")
    assert eng.sent() == ["welcome"]
    assert eng.transitions[2].kind == "milestone_entered"
    assert eng.transitions[2].milestone_id == "registered"


def test_the_triggering_input_itself_can_select_the_milestone() -> None:
    eng = _engine()
    eng.identify(T0, email="a@example.com", orders_count=2)
    eng.track("start", T0)
    assert eng.transitions[0].milestone_id == "active"
    assert eng.sent() == ["thanks"]


def test_advancing_abandons_the_flow_and_cancels_its_wait() -> None:
    eng = _engine()
    eng.identify(T0, email="a@example.com")
    eng.track("start", T0)
    (pending,) = eng.timers

    decision = eng.identify(T0 + days(1), orders_count=1)

    assert [(t.action, t.timer_id) for t in decision.timers] == [("cancel", pending)]
    eng.advance(T0 + days(10))
    assert eng.sent() == ["welcome", "thanks"]  # the nudge never comes
    milestones = [t.milestone_id for t in eng.transitions if t.kind == "milestone_entered"]
    assert milestones == ["registered", "active"]


def test_the_furthest_holding_milestone_wins() -> None:
    eng = _engine()
    eng.identify(T0, email="a@example.com")
    eng.track("start", T0)
    eng.identify(T0 + hours(1), orders_count=7)
    assert eng.sent() == ["welcome", "vip"]


def test_milestones_never_move_backwards() -> None:
    eng = _engine()
    eng.identify(T0, email="a@example.com", orders_count=6)
    eng.track("start", T0)
    eng.identify(T0 + hours(1), orders_count=1)
    assert eng.sent() == ["vip"]
    assert eng.state().instances["test-journey"].milestone == 2


def test_the_end_of_a_flow_waits_for_a_later_milestone() -> None:
    eng = _engine()
    eng.identify(T0, email="a@example.com")
    eng.track("start", T0)
    eng.advance(T0 + days(4))
    assert eng.trace()[-1] == ("waiting", None, "milestone")
    assert "test-journey" in eng.state().instances
