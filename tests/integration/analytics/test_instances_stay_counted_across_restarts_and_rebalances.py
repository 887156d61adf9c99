"""Customers enter and move while analytics processes join, leave and restart in one group: a
process that takes over partitions (at its start, or from a member that left) loads where their
instances are from the transition facts, so the instances in each step stay those of each
customer's latest transition."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from waymark.analytics.instances import position_of
from waymark.analytics.queries import Reader
from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import JourneyTransition

from .support import AnalyticsProcess, Records, wait_caught_up

DEFINITION = {
    "id": "welcome",
    "name": "Welcome",
    "milestones": [
        {
            "id": "m1",
            "steps": [
                {"id": "hello", "send": {"channel": "email"}},
                {"id": "pause", "wait": {"duration": "PT1H"}},
            ],
        },
        {"id": "m2", "steps": [{"id": "bye", "send": {"channel": "email"}}]},
    ],
}
CUSTOMERS = [f"c{n:02d}" for n in range(12)]

Key = tuple[str, int, str, str | None, str | None]


class Journeys:
    """The transitions sent so far, and the counts they imply."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.sent: list[JourneyTransition] = []

    async def move(
        self, customers: Sequence[str], *moves: tuple[str, str | None, str | None]
    ) -> None:
        """Send each customer's (kind, milestone, step) transitions, customers interleaved."""
        batch = [
            JourneyTransition(
                transition_id=f"t{len(self.sent)}-{n}-{customer}",
                customer_id=customer,
                journey_id="welcome",
                journey_version=1,
                entry_id=f"e-{customer}",
                kind=kind,  # type: ignore[arg-type]
                milestone_id=milestone,
                step_id=step,
                reason="goal" if kind == "exited" else None,
                at=datetime.now(UTC),
            )
            for n, (kind, milestone, step) in enumerate(moves)
            for customer in customers
        ]
        await self.records.send(Topic.TRANSITIONS, batch)
        self.sent += batch

    def expected(self) -> Counter[Key]:
        """Each instance at the position of its latest transition."""
        latest = {t.entry_id: t for t in self.sent}
        return Counter((t.journey_id, t.journey_version, *position_of(t)) for t in latest.values())


async def _counts(mongo_db: Any) -> Counter[Key]:
    rows = await Reader(mongo_db).instances(["welcome"])
    return Counter(
        {(r.journey_id, r.version, r.status, r.milestone_id, r.step_id): r.count for r in rows}
    )


async def _assigned(process: AnalyticsProcess, within: float = 60) -> None:
    """Wait until the process holds partitions (it reports their lag only then)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if "waymark_consumer_lag{" in process.metrics():
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"{process.group_id} got no partition; log tail:\n{process.log_tail()}")


def _loads(process: AnalyticsProcess) -> int:
    return process.log_path.read_text(errors="replace").count("instance_positions_loaded")


async def test_instances_stay_counted_when_partitions_change_hands(
    kafka_topics: Any, mongo_db: Any, make_analytics: Callable[..., AnalyticsProcess]
) -> None:
    first = make_analytics("a")
    await first.wait_ready()
    async with Records(kafka_topics) as records:
        await records.journey(DEFINITION)
        journeys = Journeys(records)

        # Everyone enters and reaches the first send, applied by the only member.
        await journeys.move(
            CUSTOMERS,
            ("entered", None, None),
            ("milestone_entered", "m1", None),
            ("step_entered", "m1", "hello"),
        )
        await wait_caught_up(kafka_topics, first.group_id)
        assert await _counts(mongo_db) == journeys.expected()
        assert journeys.expected() == Counter({("welcome", 1, "active", "m1", "hello"): 12})

        # A second member takes some partitions: it moves their customers on.
        second = make_analytics("b", group_id=first.group_id)
        await second.wait_ready()
        await _assigned(second)
        await journeys.move(
            CUSTOMERS[:6], ("step_completed", "m1", "hello"), ("waiting", "m1", "pause")
        )
        await journeys.move(CUSTOMERS[6:9], ("exited", "m1", None))
        await wait_caught_up(kafka_topics, first.group_id)
        assert await _counts(mongo_db) == journeys.expected()
        assert _loads(second) >= 1

        # It leaves: the first member gets its partitions back, with customers it last saw
        # at the first send.
        second.stop()
        await journeys.move(
            CUSTOMERS[:3],
            ("step_completed", "m1", "pause"),
            ("milestone_entered", "m2", None),
            ("step_entered", "m2", "bye"),
        )
        await journeys.move(CUSTOMERS[3:6], ("exited", "m1", None))
        await wait_caught_up(kafka_topics, first.group_id)
        assert await _counts(mongo_db) == journeys.expected()
        assert _loads(first) >= 2

        # A restart: the new process knows where everyone is from the facts alone.
        first.stop()
        await journeys.move(CUSTOMERS[9:], ("step_completed", "m1", "hello"))
        await journeys.move(CUSTOMERS[:1], ("exited", "m2", None))
        restarted = make_analytics("a2", group_id=first.group_id)
        await restarted.wait_ready()
        await wait_caught_up(kafka_topics, first.group_id)

    assert (
        await _counts(mongo_db)
        == journeys.expected()
        == Counter(
            {
                ("welcome", 1, "active", "m2", "bye"): 2,
                ("welcome", 1, "active", "m1", None): 3,
                ("welcome", 1, "exited", "m1", None): 6,
                ("welcome", 1, "exited", "m2", None): 1,
            }
        )
    )
    summary = restarted.get("/v1/journeys/welcome/summary")["total"]
    assert (summary["entries"], summary["in_progress"]) == (12, 5)
