"""The frequency cap counts marketing sends across journeys; transactional sends are not capped."""

from __future__ import annotations

from engine.driver import T0, Engine, days, journey_doc
from waymark.core.engine import EnginePolicy


def _journeys(count: int, category: str = "marketing") -> list[dict[str, object]]:
    return [
        journey_doc(
            [{"id": f"s{i}", "send": {"channel": "email", "template": f"t{i}"}}],
            id=f"journey-{category[:5]}-{i}",
            type=category,
        )
        for i in range(count)
    ]


def _ready(eng: Engine) -> None:
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)


def test_the_default_cap_allows_three_marketing_sends_a_day() -> None:
    eng = Engine(*_journeys(4))
    _ready(eng)
    eng.track("start", T0)

    assert len(eng.commands) == 3
    assert [t for t in eng.trace() if t[0] == "suppressed"] == [
        ("suppressed", "s3", "frequency_cap")
    ]


def test_the_cap_frees_up_after_the_window() -> None:
    eng = Engine(
        *_journeys(4),
        journey_doc(
            [{"id": "later", "send": {"channel": "email", "template": "later"}}],
            id="journey-later",
            trigger={"event": "later"},
        ),
    )
    _ready(eng)
    eng.track("start", T0)
    eng.track("later", T0 + days(0.5))
    assert ("suppressed", "later", "frequency_cap") in eng.trace()

    eng2 = Engine(
        *_journeys(3),
        journey_doc(
            [{"id": "later", "send": {"channel": "email", "template": "later"}}],
            id="journey-later",
            trigger={"event": "later"},
        ),
    )
    _ready(eng2)
    eng2.track("start", T0)
    eng2.track("later", T0 + days(1.01))
    assert "later" in eng2.sent()


def test_transactional_sends_neither_count_nor_are_capped() -> None:
    eng = Engine(*_journeys(4, "transactional"), *_journeys(3))
    _ready(eng)
    eng.track("start", T0)
    assert len(eng.commands) == 7


def test_the_cap_is_configurable() -> None:
    eng = Engine(*_journeys(3), policy=EnginePolicy(frequency_cap=1))
    _ready(eng)
    eng.track("start", T0)
    assert len(eng.commands) == 1


def test_the_state_keeps_no_more_send_times_than_the_cap_reads() -> None:
    eng = Engine(*_journeys(6))
    _ready(eng)
    for day in range(5):
        eng.track("start", T0 + days(day), input_id=f"start-{day}")
    assert len(eng.state().marketing_sends) <= 3
