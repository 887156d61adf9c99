"""`exit` steps and jumps to `exit` end the instance with reason `exit`."""

from __future__ import annotations

from engine.driver import T0, Engine, journey_doc


def test_exit_step_ends_the_journey() -> None:
    steps = [
        {"id": "bye", "exit": {}},
        {"id": "never", "send": {"channel": "email", "template": "never"}},
    ]
    eng = Engine(journey_doc(steps))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)

    assert eng.sent() == []
    assert eng.trace()[-2:] == [("step_completed", "bye", None), ("exited", "bye", "exit")]
    assert "test-journey" in eng.state().finished


def test_a_jump_to_exit_ends_the_journey() -> None:
    steps = [
        {
            "id": "gate",
            "branch": {"cases": [{"when": {"attr": "profile.x", "exists": False}, "goto": "exit"}]},
        },
        {"id": "never", "send": {"channel": "email", "template": "never"}},
    ]
    eng = Engine(journey_doc(steps))
    eng.track("start", T0)
    assert eng.trace()[-1] == ("exited", "gate", "exit")
