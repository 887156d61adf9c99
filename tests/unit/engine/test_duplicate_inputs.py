"""A redelivered input (same id seen recently) changes nothing."""

from __future__ import annotations

from engine.driver import T0, Engine, journey_doc
from waymark.core.engine import EnginePolicy, Track, decide, to_bytes


def test_a_duplicate_input_changes_nothing() -> None:
    eng = Engine(journey_doc(reentry={"mode": "always"}))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    first = eng.track("start", T0, input_id="evt-1")
    before = to_bytes(eng.state())

    again = eng.track("start", T0, input_id="evt-1")

    assert first.commands
    assert again.commands == ()
    assert again.transitions == ()
    assert again.timers == ()
    assert to_bytes(again.state) == before


def test_the_dedupe_ring_is_bounded() -> None:
    policy = EnginePolicy(dedupe_window=4)
    eng = Engine(journey_doc(), policy=policy)
    for n in range(10):
        eng.track("other", T0, input_id=f"evt-{n}")
    assert len(eng.state().seen.split()) == 4


def test_an_input_older_than_the_ring_is_processed_again() -> None:
    eng = Engine(journey_doc(reentry={"mode": "always"}), policy=EnginePolicy(dedupe_window=2))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0, input_id="old")
    eng.track("x", T0, input_id="x1")
    eng.track("x", T0, input_id="x2")
    decision = decide(eng.state(), Track("old", "c1", T0, "start", {}), eng.catalog, T0)
    assert decision.commands
