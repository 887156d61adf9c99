"""Where an instance is now is the position of its latest transition, so re-delivered batches
and engine replays (a suffix of a partition again, in order) end in the same documents."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from waymark.analytics.instances import ACTIVE, EXITED, instance_document, positions
from waymark.core.contracts import JourneyTransition
from waymark.core.engine import parse_input
from waymark.core.journeys import parse_journey
from waymark.core.simulate import simulate

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
JOURNEY = parse_journey(
    {
        "id": "onboarding",
        "name": "Onboarding",
        "trigger": {"event": "signed_up"},
        "exit_when": {"event": "account_closed"},
        "milestones": [
            {
                "id": "first",
                "steps": [
                    {"id": "hello", "send": {"channel": "email", "template": "hello"}},
                    {"id": "pause", "wait": {"duration": "PT1H"}},
                    {"id": "wait-app", "wait_for": {"event": "app_opened", "timeout": "P1D"}},
                ],
            }
        ],
    }
)


def _partition() -> list[JourneyTransition]:
    """One partition's transitions: four customers interleaved, as the engine emits them."""
    raw: list[dict[str, Any]] = []
    for n, customer in enumerate(("a", "b", "c", "d")):
        at = T0 + timedelta(minutes=n)
        raw += [
            {"type": "identify", "customer_id": customer, "traits": {"email": f"{customer}@x.io"}},
            {"type": "consent", "customer_id": customer, "channel": "email", "granted": n != 1},
            {"type": "track", "customer_id": customer, "event": "signed_up"},
        ]
        for item in raw[-3:]:
            item["timestamp"] = at.isoformat()
    raw.append(
        {
            "type": "track",
            "customer_id": "c",
            "event": "account_closed",
            "timestamp": (T0 + timedelta(minutes=30)).isoformat(),
        }
    )
    raw.append(
        {
            "type": "track",
            "customer_id": "d",
            "event": "app_opened",
            "timestamp": (T0 + timedelta(hours=3)).isoformat(),
        }
    )
    result = simulate([JOURNEY], [parse_input(r) for r in raw], until=T0 + timedelta(hours=5))
    return [
        JourneyTransition(
            transition_id=f"t{n}",
            customer_id=t.customer_id,
            journey_id=t.journey_id,
            journey_version=t.journey_version,
            entry_id=t.entry_id,
            kind=t.kind,
            milestone_id=t.milestone_id,
            step_id=t.step_id,
            reason=t.reason,
            at=t.at,
        )
        for n, t in enumerate(result.transitions)
    ]


PARTITION = _partition()


def _apply(sequence: list[JourneyTransition], cuts: list[int]) -> dict[str, dict[str, Any]]:
    """Apply `sequence` in batches cut at `cuts`, replacing each batch's instance documents."""
    store: dict[str, dict[str, Any]] = {}
    bounds = [0, *sorted(c % (len(sequence) + 1) for c in cuts), len(sequence)]
    for start, end in itertools.pairwise(bounds):
        for doc in positions(sequence[start:end]):
            store[doc["_id"]] = doc
    return store


def test_positions_of_the_scripted_partition() -> None:
    docs = {doc["customer_id"]: doc for doc in positions(PARTITION)}
    assert {c: (d["status"], d["step_id"]) for c, d in docs.items()} == {
        "a": (ACTIVE, "wait-app"),
        "b": (ACTIVE, "wait-app"),
        "c": (EXITED, None),
        "d": (EXITED, None),
    }
    assert docs["c"]["exit_reason"] == "exit_when"
    assert docs["d"]["exit_reason"] == "completed"


@settings(max_examples=200, deadline=None)
@given(
    engine=st.tuples(st.integers(0, len(PARTITION)), st.integers(0, len(PARTITION))),
    consumer=st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
)
def test_replays_and_redeliveries_end_in_the_same_positions(
    engine: tuple[int, int], consumer: tuple[int, int], cuts: list[int]
) -> None:
    # The engine emitted up to k, crashed, and re-emitted from j <= k onwards.
    k, j = max(engine), min(engine)
    topic = PARTITION[:k] + PARTITION[j:]
    # Analytics applied up to a, crashed, and was re-delivered from its commit b <= a.
    a = max(consumer) % (len(topic) + 1)
    b = min(consumer) % (a + 1)
    delivered = topic[:a] + topic[b:]
    assert _apply(delivered, cuts) == _apply(PARTITION, [])


def _transition(kind: str, step_id: str | None, reason: str | None = None) -> JourneyTransition:
    return JourneyTransition(
        transition_id="t",
        customer_id="a",
        journey_id="onboarding",
        journey_version=2,
        entry_id="e1",
        kind=kind,  # type: ignore[arg-type]
        milestone_id="first",
        step_id=step_id,
        reason=reason,
        at=T0,
    )


def test_each_kind_leaves_the_instance_in_a_step_or_between_steps() -> None:
    def where(kind: str, step_id: str | None, reason: str | None = None) -> tuple[Any, ...]:
        doc = instance_document(_transition(kind, step_id, reason))
        return doc["status"], doc["milestone_id"], doc["step_id"], doc["exit_reason"]

    assert where("step_entered", "hello") == (ACTIVE, "first", "hello", None)
    assert where("waiting", "pause", "duration") == (ACTIVE, "first", "pause", None)
    assert where("waiting", None, "milestone") == (ACTIVE, "first", None, None)
    assert where("step_completed", "hello") == (ACTIVE, "first", None, None)
    assert where("suppressed", "hello", "no_consent") == (ACTIVE, "first", None, None)
    assert where("converted", None, "goal") == (ACTIVE, "first", None, None)
    assert where("exited", None, "goal") == (EXITED, "first", None, "goal")
