"""A crash between the writes of a batch (facts in, positions or message statuses not) and the
batch delivered again: every count ends exactly as if the batch had been applied once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from waymark.analytics.aggregator import Aggregator, Envelope
from waymark.analytics.catalog import JourneyCatalog
from waymark.analytics.documents import (
    GOAL_HITS,
    INSTANCES,
    MESSAGE_STATUSES,
    OUTCOMES,
    TRANSITIONS,
)
from waymark.analytics.queries import Reader
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
    """Dies just before writing to `collection`."""

    def __init__(self, database: Any, collection: str) -> None:
        super().__init__(database)
        self.collection = collection

    async def replace_instances(self, documents: Any) -> None:
        if self.collection == INSTANCES:
            raise SimulatedCrashError("before the positions")
        await super().replace_instances(documents)

    async def insert_new(self, collection: str, documents: Any) -> set[str]:
        if collection == self.collection:
            raise SimulatedCrashError(f"before {collection}")
        return await super().insert_new(collection, documents)


def _batch() -> list[Envelope]:
    kinds = ["entered", "milestone_entered", "step_entered", "step_completed", "waiting"]
    steps = [None, None, "hello", "hello", None]
    records: list[Any] = [
        JourneyTransition(
            transition_id=f"t{n}",
            customer_id="c1",
            journey_id="welcome",
            journey_version=1,
            entry_id="e1",
            kind=kind,  # type: ignore[arg-type]
            milestone_id="m",
            step_id=step,
            reason="goal" if kind == "waiting" else None,
            at=T0,
        )
        for n, (kind, step) in enumerate(zip(kinds, steps, strict=True))
    ]
    records += [
        DispatchOutcome(
            outcome_id=f"o-{status}",
            command_id="cmd-1",
            customer_id="c1",
            journey_id="welcome",
            journey_version=1,
            entry_id="e1",
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
    return [Envelope(0, offset, record) for offset, record in enumerate(records)]


async def _state(database: Any) -> dict[str, Any]:
    views = Views(Reader(database))
    return {
        "summary": (await views.summary("welcome")).model_dump(),
        "steps": (await views.steps("welcome", None)).model_dump(),
        "messages": (await views.messages("welcome", None)).model_dump(),
        "documents": {
            name: sorted(
                await database[name].find({}, {"updated_at": 0}).to_list(None),
                key=lambda d: str(d["_id"]),
            )
            for name in ALL_COLLECTIONS
        },
    }


async def test_a_redelivered_batch_ends_as_if_applied_once(mongo_db: Any) -> None:
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
        await Aggregator(Store(once), catalog).apply(_batch())

        with pytest.raises(SimulatedCrashError):
            await Aggregator(CrashingStore(mongo_db, INSTANCES), catalog).apply(_batch())
        # What the crash left: the facts counted, the instance nowhere yet.
        assert await mongo_db[TRANSITIONS].count_documents({}) == 5
        assert await mongo_db[INSTANCES].count_documents({}) == 0
        with pytest.raises(SimulatedCrashError):
            await Aggregator(CrashingStore(mongo_db, MESSAGE_STATUSES), catalog).apply(_batch())
        assert await mongo_db[OUTCOMES].count_documents({}) == 2
        assert await mongo_db[MESSAGE_STATUSES].count_documents({}) == 0

        again = await Aggregator(Store(mongo_db), catalog).apply(_batch())
        # The transitions and outcomes were in already; what the crashes kept out is new.
        assert again.new == {TRANSITIONS: 0, OUTCOMES: 0, MESSAGE_STATUSES: 3, GOAL_HITS: 1}
        assert await _state(mongo_db) == await _state(once)
        summary = (await Views(Reader(mongo_db)).summary("welcome")).total
        assert (summary.entries, summary.in_progress) == (1, 1)
    finally:
        await client.drop_database(once.name)
