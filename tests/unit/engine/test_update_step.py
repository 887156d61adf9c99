"""`update`: sets profile attributes (nested paths too) without touching the caller's state."""

from __future__ import annotations

from engine.driver import T0, Engine, journey_doc
from waymark.core.engine import Track, decide

STEPS = [
    {"id": "mark", "update": {"set": {"profile.stage": "onboarded", "profile.flags.vip": True}}},
    {
        "id": "check",
        "branch": {
            "cases": [{"when": {"attr": "profile.flags.vip", "eq": True}, "goto": "vip"}],
            "else": "exit",
        },
    },
    {"id": "vip", "send": {"channel": "email", "template": "vip"}},
]


def test_update_sets_attributes_later_steps_read() -> None:
    eng = Engine(journey_doc(STEPS))
    eng.identify(T0, email="a@example.com", flags={"beta": True})
    eng.consent("email", T0)
    eng.track("start", T0)

    profile = eng.state().profile
    assert profile["stage"] == "onboarded"
    assert profile["flags"] == {"beta": True, "vip": True}
    assert eng.sent() == ["vip"]


def test_the_state_given_to_decide_is_left_unchanged() -> None:
    eng = Engine(journey_doc(STEPS))
    eng.identify(T0, email="a@example.com", flags={"beta": True})
    before = eng.state()
    flags_before = dict(before.profile["flags"])

    decide(before, Track("x1", "c1", T0, "start", {}), eng.catalog, T0)

    assert before.profile["flags"] == flags_before
    assert "stage" not in before.profile
    assert before.instances == {}
