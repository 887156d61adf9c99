"""`wait_for` an event: `where`, `match` against the entry event, timeout, two exits."""

from __future__ import annotations

from engine.driver import T0, Engine, days, hours, journey_doc

CART = [
    {
        "id": "wait-order",
        "wait_for": {
            "event": "order_completed",
            "where": {"attr": "event.properties.total", "gt": 0},
            "match": {"event.properties.cart_id": "entry.properties.cart_id"},
            "timeout": "P1D",
            "on_event": "thanks",
            "on_timeout": "reminder",
        },
    },
    {"id": "reminder", "send": {"channel": "email", "template": "cart-reminder"}},
    {"id": "stop", "exit": {}},
    {"id": "thanks", "send": {"channel": "email", "template": "thanks"}},
]


def _cart_engine() -> Engine:
    eng = Engine(journey_doc(CART, trigger={"event": "cart_updated"}))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("cart_updated", T0, cart_id="k1")
    return eng


def test_the_awaited_event_takes_on_event() -> None:
    eng = _cart_engine()
    eng.track("order_completed", T0 + hours(2), cart_id="k1", total=30)

    assert eng.sent() == ["thanks"]
    assert ("step_completed", "wait-order", "event") in eng.trace()


def test_an_event_for_another_cart_does_not_match() -> None:
    eng = _cart_engine()
    eng.track("order_completed", T0 + hours(1), cart_id="k2", total=30)
    assert eng.sent() == []
    assert eng.state().instances["test-journey"].wait is not None


def test_an_event_failing_where_does_not_match() -> None:
    eng = _cart_engine()
    eng.track("order_completed", T0 + hours(1), cart_id="k1", total=0)
    assert eng.sent() == []


def test_the_timeout_takes_on_timeout() -> None:
    eng = _cart_engine()
    eng.advance(T0 + days(2))

    assert eng.sent() == ["reminder"]
    assert ("step_completed", "wait-order", "timeout") in eng.trace()
    assert eng.trace()[-1] == ("exited", "stop", "exit")


def test_matching_the_event_cancels_the_timeout_timer() -> None:
    eng = _cart_engine()
    decision = eng.track("order_completed", T0 + hours(2), cart_id="k1", total=30)

    assert [t.action for t in decision.timers] == ["cancel"]
    assert eng.timers == {}


def test_exits_default_to_the_next_step() -> None:
    steps = [
        {"id": "wait", "wait_for": {"event": "clicked", "timeout": "PT1H"}},
        {"id": "after", "send": {"channel": "email", "template": "after"}},
    ]
    for late in (False, True):
        eng = Engine(journey_doc(steps))
        eng.identify(T0, email="a@example.com")
        eng.consent("email", T0)
        eng.track("start", T0)
        if late:
            eng.advance(T0 + hours(2))
        else:
            eng.track("clicked", T0 + hours(0.5))
        assert eng.sent() == ["after"]


def test_the_entering_event_does_not_end_a_wait_for_the_same_event() -> None:
    steps = [
        {"id": "again", "wait_for": {"event": "start", "timeout": "PT1H", "on_event": "exit"}},
        {"id": "after", "send": {"channel": "email", "template": "after"}},
    ]
    eng = Engine(journey_doc(steps))
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)
    assert eng.state().instances["test-journey"].wait is not None
