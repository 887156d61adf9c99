"""State bytes: a lossless round trip, and a typical customer with three live instances ≤ 1 KB."""

from __future__ import annotations

import pytest

from engine.driver import T0, Engine, days, hours, journey_doc
from waymark.core.engine import CustomerState, StateDecodeError, from_bytes, to_bytes


def _typical() -> Engine:
    onboarding = journey_doc(
        [
            {"id": "welcome", "send": {"channel": "email", "template": "welcome"}},
            {"id": "wait-order", "wait_for": {"event": "order_completed", "timeout": "P3D"}},
            {"id": "nudge", "send": {"channel": "sms", "template": "nudge"}},
        ],
        id="new-customer-onboarding",
        trigger={"event": "signed_up"},
        goal={"event": "order_completed", "within": "P14D"},
    )
    cart = journey_doc(
        [
            {"id": "pause", "wait": {"duration": "PT1H"}},
            {
                "id": "wait-checkout",
                "wait_for": {
                    "event": "order_completed",
                    "match": {"event.properties.cart_id": "entry.properties.cart_id"},
                    "timeout": "P1D",
                    "on_event": "exit",
                },
            },
            {"id": "reminder", "send": {"channel": "email", "template": "cart"}},
        ],
        id="abandoned-cart",
        trigger={"event": "cart_updated"},
        reentry={"mode": "always"},
    )
    payment = journey_doc(
        [
            {"id": "remind", "send": {"channel": "email", "template": "invoice-due"}},
            {
                "id": "wait-paid",
                "wait_for": {"outcome": "opened", "of": "remind", "timeout": "P2D"},
            },
        ],
        id="payment-reminder",
        type="transactional",
        trigger={"event": "invoice_due"},
        reentry={"mode": "after", "cooldown": "P30D"},
    )
    done = journey_doc(id="plan-change", trigger={"event": "plan_changed"})
    eng = Engine(onboarding, cart, payment, done)
    eng.identify(
        T0,
        email="maria.schmidt@example.com",
        phone="+4915112345678",
        first_name="Maria",
        last_name="Schmidt",
        timezone="Europe/Berlin",
        plan="pro",
        orders_count=0,
        country="DE",
        created_at="2026-01-05T10:00:00Z",
    )
    for channel in ("email", "sms", "push"):
        eng.consent(channel, T0)
    eng.track("plan_changed", T0, plan="pro")
    eng.track("signed_up", T0 + hours(1), source="web", campaign="winter-launch")
    eng.track("cart_updated", T0 + hours(2), cart_id="cart-8f3a2c", items=3, value=129.5)
    eng.track("invoice_due", T0 + hours(3), invoice_id="inv-2026-0042", amount=49)
    for n in range(20):
        eng.track("page_viewed", T0 + hours(3) + n * hours(0.01), path=f"/p/{n}")
    return eng


def test_a_typical_customer_with_three_live_instances_fits_in_one_kilobyte() -> None:
    state = _typical().state()
    assert len(state.instances) == 3
    assert state.finished
    size = len(to_bytes(state))
    assert size <= 1024, size


def test_round_trip_is_lossless() -> None:
    state = _typical().state()
    assert from_bytes(to_bytes(state)) == state


def test_a_decoded_state_decides_like_the_original() -> None:
    eng = _typical()
    restored = from_bytes(to_bytes(eng.state()))
    eng.states["c1"] = restored
    eng.advance(T0 + days(5))
    assert "reminder" in eng.sent()


def test_a_new_customer_costs_a_few_bytes() -> None:
    assert len(to_bytes(CustomerState.new("c1"))) < 32


def test_unreadable_bytes_raise_a_decode_error() -> None:
    with pytest.raises(StateDecodeError):
        from_bytes(b"not json")
    with pytest.raises(StateDecodeError):
        from_bytes(b'{"v":99,"c":"c1"}')
