"""The lift of a split with a control group, from a seeded simulation through Kafka.

The pure engine runs a journey whose split holds 20% out, over 2,000 customers. Each customer
then converts (a goal event inside the window) with a known probability per arm; some order
before entering or after the window, which must not count. Transitions and events go through
the real broker into the analytics process, and the lift it reports must have the exact arm
counts and an interval containing the true difference of the two probabilities.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from waymark.core.adapters.kafka.topics import Topic

from .simulation import SPRING_OFFER, Pair, entry, order, run, transition_records
from .support import AnalyticsProcess, Records, wait_caught_up

CUSTOMERS = 2000
CONTROL_RATE = 0.12
TREATMENT_RATE = 0.20
TRUE_LIFT = TREATMENT_RATE - CONTROL_RATE
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_lift_counts_both_arms_exactly_and_its_interval_holds_the_true_lift(
    kafka_topics: Any, make_analytics: Callable[..., AnalyticsProcess]
) -> None:
    entries: dict[str, datetime] = {}
    pairs: list[Pair] = []
    for n in range(CUSTOMERS):
        customer = f"c{n:05d}"
        entries[customer] = T0 + timedelta(seconds=30 * n)
        pairs += entry(customer, entries[customer])
    held_out = {
        t.customer_id
        for t in run([SPRING_OFFER], pairs).transitions
        if t.reason == "holdout" and t.kind == "exited"
    }
    assert 300 < len(held_out) < 500  # 20% of 2,000, drawn per customer

    rng = random.Random(20260302)
    converted = {True: 0, False: 0}
    for customer, entered in entries.items():
        control = customer in held_out
        if rng.random() < (CONTROL_RATE if control else TREATMENT_RATE):
            converted[control] += 1
            pairs.append(order(customer, entered + timedelta(hours=rng.uniform(1, 6 * 24))))
        # Orders before the entry or after the window are no conversions.
        if rng.random() < 0.05:
            pairs.append(order(customer, entered - timedelta(hours=1)))
        if rng.random() < 0.05:
            pairs.append(order(customer, entered + timedelta(days=8)))

    transitions = transition_records(run([SPRING_OFFER], pairs))
    async with Records(kafka_topics) as records:
        await records.journey(SPRING_OFFER)
        await records.send_raw(Topic.TRANSITIONS, transitions)
        await records.send(Topic.EVENTS, [wire for _, wire in pairs])

    analytics = make_analytics()
    await analytics.wait_ready()
    await wait_caught_up(kafka_topics, analytics.group_id, within=240)

    lift = analytics.get("/v1/journeys/spring-offer/lift")
    assert lift["step_id"] == "holdout"
    assert lift["goal_event"] == "order_completed"
    assert lift["window_seconds"] == 7 * 86400
    assert lift["control"]["customers"] == len(held_out)
    assert lift["treatment"]["customers"] == CUSTOMERS - len(held_out)
    assert lift["control"]["conversions"] == converted[True]
    assert lift["treatment"]["conversions"] == converted[False]
    observed = converted[False] / (CUSTOMERS - len(held_out)) - converted[True] / len(held_out)
    assert abs(lift["lift"] - observed) < 1e-12
    interval = lift["interval"]
    assert interval["confidence"] == 0.95
    assert interval["method"].startswith("newcombe")
    assert interval["low"] < TRUE_LIFT < interval["high"]
    assert interval["low"] < observed < interval["high"]

    # The engine's own conversions are the treatment's only: the control left at the split.
    summary = analytics.get("/v1/journeys/spring-offer/summary")["total"]
    assert summary["entries"] == CUSTOMERS
    assert {"reason": "holdout", "count": len(held_out)} in summary["exits_by_reason"]
    assert summary["converted"] <= converted[False]
