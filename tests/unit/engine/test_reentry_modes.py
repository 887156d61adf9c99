"""Re-entry: never, always (when not inside), or after a cooldown since the last entry."""

from __future__ import annotations

from engine.driver import T0, Engine, days, journey_doc


def _entries(reentry: object, gaps: list[float]) -> int:
    eng = Engine(journey_doc(reentry=reentry))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    for n, gap in enumerate(gaps):
        eng.track("start", T0 + days(gap), input_id=f"start-{n}")
    return eng.kinds().count("entered")


def test_never_enters_once() -> None:
    assert _entries({"mode": "never"}, [0, 1, 40]) == 1


def test_always_enters_each_time_after_leaving() -> None:
    assert _entries({"mode": "always"}, [0, 1, 40]) == 3


def test_after_waits_for_the_cooldown() -> None:
    assert _entries({"mode": "after", "cooldown": "P30D"}, [0, 1, 29, 31, 32]) == 2


def test_a_customer_inside_is_not_entered_again() -> None:
    steps = [{"id": "pause", "wait": {"duration": "P10D"}}]
    eng = Engine(journey_doc(steps, reentry={"mode": "always"}))
    eng.track("start", T0, input_id="a")
    eng.track("start", T0 + days(1), input_id="b")
    assert eng.kinds().count("entered") == 1


def test_finished_instances_keep_only_what_reentry_needs() -> None:
    eng = Engine(journey_doc(reentry={"mode": "after", "cooldown": "P30D"}))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    state = eng.state()
    assert state.instances == {}
    done = state.finished["test-journey"]
    assert (done.entered_at, done.exited_at) == (int(T0.timestamp()), int(T0.timestamp()))


def test_always_journeys_keep_nothing_once_finished() -> None:
    eng = Engine(journey_doc(reentry={"mode": "always"}))
    eng.track("start", T0)
    assert eng.state().finished == {}
