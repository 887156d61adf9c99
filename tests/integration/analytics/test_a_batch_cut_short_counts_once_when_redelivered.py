"""A crash between or inside the writes of a batch (transition facts partly in, or message
statuses not) and the batch delivered again, to the same aggregator or to a new one that loaded
where instances are from the facts: every count ends exactly as if it had been applied once."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from waymark.analytics.aggregator import Aggregator, Envelope
from waymark.analytics.catalog import JourneyCatalog
from waymark.analytics.documents import GOAL_HITS, MESSAGE_STATUSES, OUTCOMES, TRANSITIONS
from waymark.analytics.queries import InstanceRow, Reader
from waymark.analytics.store import ALL_COLLECTIONS, Store
from waymark.analytics.views import Views
from waymark.core.contracts import CustomerEvent, DispatchOutcome, JourneyTransition, JourneyVersion

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
DEFINITION = {
    "id": "welcome",
    "name": "Welcome",
    "goal": {"event": "order_completed", "within": "P1D"},
    "milestones": [{"id": "m", "steps": [{"id": "hello", "send": {"channel": "email"}}]}],
}


class SimulatedCrashError(Exception):
    """The process died here."""


class CrashingStore(Store):
    """Dies writing to `crash`'s collection: before it, after half its documents, or after
    all of them (the acknowledgement lost)."""

    def __init__(self, database: Any) -> None:
        super().__init__(database)
        self.crash: tuple[str, str] | None = None

    async def insert_new(self, collection: str, documents: Any) -> set[str]:
        if self.crash is None or self.crash[0] != collection:
            return await super().insert_new(collection, documents)
        written = {"before": 0, "part": len(documents) // 2, "after": len(documents)}
        await super().insert_new(collection, documents[: written[self.crash[1]]])
        raise SimulatedCrashError(f"{self.crash[1]} {collection}")


def _transition(n: int, customer: str, kind: str, step: str | None = None) -> JourneyTransition:
    return JourneyTransition(
        transition_id=f"t{n}",
        customer_id=customer,
        journey_id="welcome",
        journey_version=1,
        entry_id=f"e-{customer}",
        kind=kind,  # type: ignore[arg-type]
        milestone_id="m",
        step_id=step,
        reason="goal" if kind in ("waiting", "exited") else None,
        at=T0,
    )


def _first() -> list[Envelope]:
    """c1 and c2 enter and reach the send step."""
    records = [
        _transition(n + 3 * i, customer, kind, step)
        for i, customer in enumerate(("c1", "c2"))
        for n, (kind, step) in enumerate(
            [("entered", None), ("milestone_entered", None), ("step_entered", "hello")]
        )
    ]
    return [Envelope(0, offset, record) for offset, record in enumerate(records)]


def _second() -> list[Envelope]:
    """c1 is sent the message and waits for its goal, c2 exits, c3 enters; c1 orders."""
    records: list[Any] = [
        _transition(10, "c1", "step_completed", "hello"),
        _transition(11, "c2", "exited"),
        _transition(12, "c3", "entered"),
        _transition(13, "c1", "waiting"),
        _transition(14, "c3", "milestone_entered"),
        _transition(15, "c3", "step_entered", "hello"),
    ]
    records += [
        DispatchOutcome(
            outcome_id=f"o-{status}",
            command_id="cmd-1",
            customer_id="c1",
            journey_id="welcome",
            journey_version=1,
            entry_id="e-c1",
            step_id="hello",
            channel="email",
            status=status,  # type: ignore[arg-type]
            provider="smtp",
            at=T0 + timedelta(minutes=1),
        )
        for status in ("sent", "opened")
    ]
    records.append(
        CustomerEvent(
            event_id="ev-order",
            customer_id="c1",
            type="track",
            name="order_completed",
            timestamp=T0 + timedelta(hours=1),
            received_at=T0 + timedelta(hours=1),
        )
    )
    return [Envelope(0, 100 + offset, record) for offset, record in enumerate(records)]


def _rows(instances: list[InstanceRow]) -> list[tuple[Any, ...]]:
    return sorted((astuple(row) for row in instances), key=repr)


async def _state(database: Any) -> dict[str, Any]:
    views = Views(Reader(database))
    instances = await Reader(database).instances(["welcome"])
    return {
        "summary": (await views.summary("welcome")).model_dump(),
        "steps": (await views.steps("welcome", None)).model_dump(),
        "messages": (await views.messages("welcome", None)).model_dump(),
        "instances": _rows(instances),
        "documents": {
            name: sorted(
                await database[name].find({}).to_list(None),
                key=lambda d: str(d["_id"]),
            )
            for name in ALL_COLLECTIONS
        },
    }


async def _restarted(database: Any, catalog: JourneyCatalog) -> tuple[CrashingStore, Aggregator]:
    """A new process: a new aggregator, which loads where instances are from the facts."""
    store = CrashingStore(database)
    aggregator = Aggregator(store, catalog)
    await aggregator.load_positions()
    return store, aggregator


@pytest.mark.parametrize("restarts", [True, False], ids=["restarted", "retried"])
@pytest.mark.parametrize("cut", ["before", "part", "after"])
async def test_a_redelivered_batch_ends_as_if_applied_once(
    mongo_db: Any, cut: str, restarts: bool
) -> None:
    catalog = JourneyCatalog()
    version = JourneyVersion(
        journey_id="welcome",
        version=1,
        status="active",
        type="marketing",
        definition=DEFINITION,
        published_at=T0,
        checksum="x",
    )
    outline = catalog.apply(version)
    client = mongo_db.client
    once = client[f"{mongo_db.name}o"]
    try:
        for database in (mongo_db, once):
            await Store(database).ensure_indexes()
            await Store(database).save_outline(outline)
        clean = Aggregator(Store(once), catalog)
        await clean.apply(_first())
        await clean.apply(_second())

        store = CrashingStore(mongo_db)
        aggregator = Aggregator(store, catalog)
        await aggregator.apply(_first())
        store.crash = (TRANSITIONS, cut)
        with pytest.raises(SimulatedCrashError):
            await aggregator.apply(_second())
        # What the crash left: none, half or all of the batch's transition facts.
        written = {"before": 0, "part": 3, "after": 6}[cut]
        assert await mongo_db[TRANSITIONS].count_documents({}) == 6 + written
        if restarts:
            store, aggregator = await _restarted(mongo_db, catalog)
        store.crash = (MESSAGE_STATUSES, "before")
        with pytest.raises(SimulatedCrashError):
            await aggregator.apply(_second())
        assert await mongo_db[OUTCOMES].count_documents({}) == 2
        assert await mongo_db[MESSAGE_STATUSES].count_documents({}) == 0
        if restarts:
            store, aggregator = await _restarted(mongo_db, catalog)
        store.crash = None

        again = await aggregator.apply(_second())
        # The transitions and outcomes were in already; what the crashes kept out is new.
        assert again.new == {TRANSITIONS: 0, OUTCOMES: 0, MESSAGE_STATUSES: 3, GOAL_HITS: 1}
        assert await _state(mongo_db) == await _state(once)
        assert _rows(await Reader(mongo_db).instances(["welcome"])) == [
            ("welcome", 1, "active", "m", "hello", 1),  # c3 is at the send step
            ("welcome", 1, "active", "m", None, 1),  # c1 waits for its goal
            ("welcome", 1, "exited", "m", None, 1),  # c2
        ]
        summary = (await Views(Reader(mongo_db)).summary("welcome")).total
        assert (summary.entries, summary.in_progress) == (3, 2)
    finally:
        await client.drop_database(once.name)
