"""End-to-end latency runs from the event that decided a send to its `sent` outcome, once per
send, and only for sends an event decided."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from waymark.analytics.latency import SendLatency
from waymark.core.contracts import CustomerEvent, DispatchOutcome, JourneyTransition

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def _event(event_id: str) -> CustomerEvent:
    return CustomerEvent(
        event_id=event_id,
        customer_id="c1",
        type="track",
        name="signed_up",
        timestamp=T0,
        received_at=T0,
    )


def _completed(
    input_id: str, step: str = "hello", kind: str = "step_completed"
) -> JourneyTransition:
    return JourneyTransition(
        transition_id=f"t-{step}",
        customer_id="c1",
        journey_id="j",
        journey_version=1,
        entry_id="e1",
        kind=kind,  # type: ignore[arg-type]
        step_id=step,
        at=T0 + timedelta(seconds=1),
        input_id=input_id,
    )


def _sent(step: str = "hello", status: str = "sent", seconds: float = 2.5) -> DispatchOutcome:
    return DispatchOutcome(
        outcome_id=f"o-{step}-{status}",
        customer_id="c1",
        journey_id="j",
        journey_version=1,
        entry_id="e1",
        step_id=step,
        channel="email",
        status=status,
        provider="smtp",  # type: ignore[arg-type]
        at=T0 + timedelta(seconds=seconds),
    )


def test_a_send_decided_by_an_event_is_measured_once() -> None:
    latency = SendLatency()
    latency.event(_event("ev-1"))
    latency.decided(_completed("ev-1"))
    assert latency.sent(_sent(status="delivered")) is None
    assert latency.sent(_sent()) == 2.5
    assert latency.sent(_sent()) is None


def test_a_send_decided_by_a_timer_is_not_measured() -> None:
    latency = SendLatency()
    latency.event(_event("ev-1"))
    latency.decided(_completed("tick:j/e1/2"))
    latency.decided(_completed("ev-1", kind="step_entered"))
    assert latency.sent(_sent()) is None


def test_memory_is_bounded() -> None:
    latency = SendLatency(capacity=1)
    latency.event(_event("ev-1"))
    latency.event(_event("ev-2"))
    latency.decided(_completed("ev-1"))
    assert latency.sent(_sent()) is None
    assert SendLatency(capacity=0).sent(_sent()) is None
