"""Results earlier versions recorded — nested under `result`, next to a `command_id` field —
are read as the flat ones are, so a record replayed after an upgrade reports the outcome
recorded before it. New claims, sends and results hold the command id only as their `_id`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from waymark.channel_dispatch.ledger import Claim, ClaimKind, Ledger
from waymark.channel_dispatch.model import Position, Result

from .support import command

AT = datetime(2025, 3, 1, 12, 30, 15, 123000, tzinfo=UTC)


def _ledger(mongo_db: Any) -> Ledger:
    return Ledger(
        mongo_db, owner="o1", clock=lambda: datetime.now(UTC), owner_stale=timedelta(seconds=10)
    )


async def test_a_result_of_an_earlier_version_finishes_its_record(mongo_db: Any) -> None:
    cmd = command(1)
    position = Position("t", 0, 7)
    await mongo_db["dispatch_claims"].insert_one(
        {
            "_id": cmd.command_id,
            "command_id": cmd.command_id,
            "owner": "old",
            "source": str(position),
            "sending": True,
            "channel": cmd.channel,
            "claimed_at": AT,
        }
    )
    await mongo_db["dispatch_results"].insert_one(
        {
            "_id": cmd.command_id,
            "command_id": cmd.command_id,
            "owner": "old",
            "source": str(position),
            "result": {
                "status": "sent",
                "reason": None,
                "provider": "smtp",
                "provider_message_id": "q1",
                "at": AT,
            },
            "recorded_at": AT,
        }
    )
    recorded = Result("sent", None, "smtp", AT, provider_message_id="q1")
    ledger = _ledger(mongo_db)

    replayed = await ledger.claim(cmd, position, sending=True)
    duplicate = await ledger.claim(cmd, Position("t", 0, 8), sending=True)

    assert replayed == Claim(ClaimKind.FINISHED, owner="old", result=recorded)
    assert duplicate == Claim(ClaimKind.DUPLICATE, owner="old")
    assert await ledger.result_of(cmd.command_id) == recorded
    assert await ledger.record(cmd, position, Result.decided("failed", "unknown", AT)) == recorded


@pytest.mark.parametrize(
    ("result", "fields"),
    [
        (
            Result("sent", None, "smtp", AT, provider_message_id="q1"),
            {"_id", "owner", "source", "status", "provider", "provider_message_id", "at"},
        ),
        (
            Result.decided("failed", "bounced", AT),
            {"_id", "owner", "source", "status", "reason", "provider", "at"},
        ),
    ],
)
async def test_new_results_are_flat_and_read_back_the_same(
    mongo_db: Any, result: Result, fields: set[str]
) -> None:
    cmd = command(2)
    position = Position("t", 0, 9)
    ledger = _ledger(mongo_db)

    claimed = await ledger.claim(cmd, position, sending=False)
    await ledger.mark_sending(cmd)
    recorded = await ledger.record(cmd, position, result)
    replayed = await ledger.claim(cmd, position, sending=True)

    assert claimed.kind is ClaimKind.NEW
    assert recorded == result
    assert await ledger.result_of(cmd.command_id) == result
    assert replayed == Claim(ClaimKind.FINISHED, owner="o1", result=result)
    claim = await mongo_db["dispatch_claims"].find_one({"_id": cmd.command_id})
    send = await mongo_db["dispatch_sends"].find_one({"_id": cmd.command_id})
    stored = await mongo_db["dispatch_results"].find_one({"_id": cmd.command_id})
    assert set(claim) == {"_id", "owner", "source", "sending", "channel", "claimed_at"}
    assert set(send) == {"_id", "owner", "at"}
    assert set(stored) == fields
