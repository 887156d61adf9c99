"""A command is claimed once because its claim's `_id` is the command id: the `command_id`
indexes earlier versions made are dropped at start-up, and a second record with the same
command id is still told it is a duplicate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from waymark.channel_dispatch.ledger import ClaimKind, Ledger
from waymark.channel_dispatch.model import Position

from .support import command


async def test_legacy_index_dropped_and_duplicates_still_refused(mongo_db: Any) -> None:
    for name in ("dispatch_claims", "dispatch_sends", "dispatch_results"):
        await mongo_db[name].create_index("command_id", unique=True)
    ledger = Ledger(
        mongo_db, owner="o1", clock=lambda: datetime.now(UTC), owner_stale=timedelta(seconds=10)
    )
    await ledger.ensure_indexes()
    await ledger.ensure_indexes()  # idempotent: nothing left to drop
    for name in ("dispatch_claims", "dispatch_sends", "dispatch_results"):
        indexes = {index["name"] async for index in await mongo_db[name].list_indexes()}
        assert indexes == {"_id_"}, name

    cmd = command(1)
    first = await ledger.claim(cmd, Position("t", 0, 1), sending=True)
    again = await ledger.claim(cmd, Position("t", 0, 2), sending=True)
    assert first.kind is ClaimKind.NEW
    assert again.kind is ClaimKind.DUPLICATE
    assert await mongo_db["dispatch_claims"].count_documents({}) == 1
