"""Instances are counted from the moves their transition facts record (to minus from), so engine
replays (a suffix of a partition again, in order), analytics crashes mid-batch with the batch
re-delivered, and any cut of the stream into batches end in the counts of one clean pass: one
instance at the position of its latest transition."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from waymark.analytics.documents import transition_document
from waymark.analytics.instances import (
    ACTIVE,
    EXITED,
    Position,
    Positions,
    latest_active,
    position_of,
)
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

Key = tuple[str, int, str, str | None, str | None]
"""(journey, version, status, milestone, step): what an instance count is kept by."""


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


class Analytics:
    """The aggregator's transition path over a store of facts keyed by transition_id."""

    def __init__(self) -> None:
        self.facts: dict[str, dict[str, Any]] = {}
        self.positions = Positions()

    def restart(self) -> None:
        """A new process: the memory is gone and loaded again from the facts."""
        self.positions = Positions(latest_active(self.facts.values()))

    def apply(self, batch: list[tuple[int, JourneyTransition]], dies_after: int | None) -> None:
        """Apply a batch of (offset, transition); with `dies_after`, only that many of its facts
        get in (the insert was cut short) and the process dies before anything else."""
        records = [record for _, record in batch]
        moves = self.positions.moves(records)
        documents = [
            transition_document(record, offset) | move
            for (offset, record), move in zip(batch, moves, strict=True)
        ]
        for document in documents[:dies_after]:
            self.facts.setdefault(document["_id"], document)  # a copy is refused
        if dies_after is None:
            self.positions.advance(records)

    def run(self, stream: list[tuple[int, JourneyTransition]], cuts: list[int]) -> None:
        for start, end in _batches(len(stream), cuts):
            self.apply(stream[start:end], None)

    def counts(self) -> Counter[Key]:
        """Instances per position, as `Reader.instances` computes them: to minus from."""
        found: Counter[Key] = Counter()
        for fact in self.facts.values():
            j, v = fact["journey_id"], fact["journey_version"]
            found[(j, v, fact["to_status"], fact["to_milestone_id"], fact["to_step_id"])] += 1
            if fact["from_status"] is not None:
                came_from = (fact["from_status"], fact["from_milestone_id"], fact["from_step_id"])
                found[(j, v, *came_from)] -= 1
        return +found  # positions left empty are no row


def _batches(length: int, cuts: list[int]) -> list[tuple[int, int]]:
    bounds = [0, *sorted(c % (length + 1) for c in cuts), length]
    return list(itertools.pairwise(bounds))


def _latest_rule(partition: list[JourneyTransition]) -> Counter[Key]:
    """What the instance documents used to hold: each instance at its latest transition."""
    latest = {record.entry_id: record for record in partition}
    return Counter((r.journey_id, r.journey_version, *position_of(r)) for r in latest.values())


def _memory(analytics: Analytics) -> dict[str, Position]:
    """The positions in memory, all of them (an entry outside the facts would be a leak)."""
    entries = {fact["entry_id"] for fact in analytics.facts.values()}
    memory = {e: p for e in entries if (p := analytics.positions.get(e)) is not None}
    assert len(memory) == len(analytics.positions)
    return memory


def _clean() -> Analytics:
    analytics = Analytics()
    analytics.run(list(enumerate(PARTITION)), [])
    return analytics


def test_counts_of_the_scripted_partition() -> None:
    analytics = _clean()
    assert analytics.counts() == Counter(
        {
            ("onboarding", 1, ACTIVE, "first", "wait-app"): 2,  # a and b wait for the app
            ("onboarding", 1, EXITED, "first", None): 2,  # c closed, d completed
        }
    )
    assert analytics.counts() == _latest_rule(PARTITION)
    # Only the active ones are kept in memory (a and b), and a load finds the same.
    assert len(_memory(analytics)) == 2
    assert _memory(analytics) == latest_active(analytics.facts.values())


def test_each_move_starts_where_the_previous_transition_of_its_instance_ended() -> None:
    analytics = _clean()
    previous: dict[str, Position] = {}
    for record in PARTITION:
        fact = analytics.facts[record.transition_id]
        came_from = (fact["from_status"], fact["from_milestone_id"], fact["from_step_id"])
        assert came_from == previous.get(record.entry_id, (None, None, None))
        previous[record.entry_id] = position_of(record)


@settings(max_examples=300, deadline=None)
@given(
    engine=st.tuples(st.integers(0, len(PARTITION)), st.integers(0, len(PARTITION))),
    consumer=st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)),
    dies=st.booleans(),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    again=st.lists(st.integers(0, 10_000), max_size=6),
)
def test_replays_and_redeliveries_end_in_the_same_counts(
    engine: tuple[int, int],
    consumer: tuple[int, int],
    dies: bool,
    cuts: list[int],
    again: list[int],
) -> None:
    # The engine emitted up to k, crashed, and re-emitted from j <= k onwards.
    k, j = max(engine), min(engine)
    topic = list(enumerate(PARTITION[:k] + PARTITION[j:]))
    # Analytics' insert of the batch holding a stopped at a. Either the consumer retried that
    # batch, or analytics died and was re-delivered from its last commit b <= a, with its
    # memory loaded from the facts.
    a = max(consumer) % (len(topic) + 1)
    b = min(consumer) % (a + 1)
    analytics = Analytics()
    for start, end in _batches(len(topic), cuts):
        if start <= a < end:
            analytics.apply(topic[start:end], a - start)
            if dies:
                break
        analytics.apply(topic[start:end], None)
    if dies:
        analytics.restart()
        analytics.run(topic[b:], again)

    assert analytics.counts() == _clean().counts() == _latest_rule(PARTITION)
    # The memory is what a load would find: a further restart would go on the same.
    assert _memory(analytics) == latest_active(analytics.facts.values())


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
        return tuple(position_of(_transition(kind, step_id, reason)))

    assert where("step_entered", "hello") == (ACTIVE, "first", "hello")
    assert where("waiting", "pause", "duration") == (ACTIVE, "first", "pause")
    assert where("waiting", None, "milestone") == (ACTIVE, "first", None)
    assert where("step_completed", "hello") == (ACTIVE, "first", None)
    assert where("suppressed", "hello", "no_consent") == (ACTIVE, "first", None)
    assert where("converted", None, "goal") == (ACTIVE, "first", None)
    assert where("exited", None, "goal") == (EXITED, "first", None)


def test_facts_without_a_move_are_left_out_of_a_load() -> None:
    facts = [
        {
            "entry_id": "e1",
            "seq": 1,
            "to_status": ACTIVE,
            "to_milestone_id": "m",
            "to_step_id": "s",
        },
        {
            "entry_id": "e1",
            "seq": 0,
            "to_status": ACTIVE,
            "to_milestone_id": "m",
            "to_step_id": None,
        },
        {
            "entry_id": "e2",
            "seq": 2,
            "to_status": ACTIVE,
            "to_milestone_id": "m",
            "to_step_id": None,
        },
        {
            "entry_id": "e2",
            "seq": 3,
            "to_status": EXITED,
            "to_milestone_id": "m",
            "to_step_id": None,
        },
        {"entry_id": "e3", "seq": 4},  # written before facts recorded moves
    ]
    assert latest_active(facts) == {"e1": Position(ACTIVE, "m", "s")}
