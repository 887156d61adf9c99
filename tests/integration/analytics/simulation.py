"""Customers through the pure engine (the simulator), ready to produce onto the topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from waymark.core.contracts import AvroCodec, CustomerEvent
from waymark.core.engine import Input, parse_input
from waymark.core.journeys import Journey, parse_journey
from waymark.core.simulate import SimulationResult, simulate
from waymark.journey_engine.worker.wire import OutputEncoder

from .support import event

SPRING_OFFER: dict[str, Any] = {
    "id": "spring-offer",
    "name": "Spring offer",
    "type": "marketing",
    "trigger": {"event": "signed_up"},
    "goal": {"event": "order_completed", "within": "P7D"},
    "milestones": [
        {
            "id": "offer",
            "steps": [
                {
                    "id": "holdout",
                    "split": {"paths": [{"weight": 100, "goto": "send-offer"}], "control": 20},
                },
                {"id": "send-offer", "send": {"channel": "email", "template": "offer"}},
            ],
        }
    ],
}

Pair = tuple[Input, CustomerEvent]
"""An engine input and the CustomerEvent that carries it on the events topic."""


def entry(customer: str, at: datetime, consent: bool = True) -> list[Pair]:
    """Identify with an email, consent on email, then `signed_up` a millisecond later."""
    email = f"{customer}@example.com"
    wires = [
        event(customer, "identify", at, traits={"email": email}),
        event(customer, "consent", at, channel="email", granted=consent),
        event(customer, "track", at + timedelta(milliseconds=1), name="signed_up"),
    ]
    raws: list[dict[str, Any]] = [
        {"type": "identify", "traits": {"email": email}},
        {"type": "consent", "channel": "email", "granted": consent},
        {"type": "track", "event": "signed_up", "properties": {}},
    ]
    return [
        (parse_input({**raw, "customer_id": customer, "timestamp": w.timestamp.isoformat()}), w)
        for raw, w in zip(raws, wires, strict=True)
    ]


def order(customer: str, at: datetime) -> Pair:
    """An `order_completed` event at `at`."""
    raw = {"type": "track", "customer_id": customer, "event": "order_completed"}
    raw |= {"properties": {"total": 42}, "timestamp": at.isoformat()}
    return parse_input(raw), event(
        customer, "track", at, name="order_completed", properties={"total": 42}
    )


def run(definitions: Sequence[dict[str, Any]], pairs: Sequence[Pair]) -> SimulationResult:
    """The simulator over these journeys and inputs."""
    journeys: list[Journey] = [parse_journey(d) for d in definitions]
    return simulate(journeys, [p[0] for p in pairs])


def transition_records(result: SimulationResult) -> list[tuple[bytes, bytes]]:
    """The (key, value) records the engine worker would write for these transitions."""
    encoder = OutputEncoder(AvroCodec.static())
    records = [
        encoder.transition(tr, f"sim-{tr.customer_id}-{n}", n)
        for n, tr in enumerate(result.transitions)
    ]
    return [(r.key, r.value) for r in records]
