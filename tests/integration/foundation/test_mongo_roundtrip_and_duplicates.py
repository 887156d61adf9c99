"""Documents round-trip through AsyncMongoClient; a unique-index violation is a typed error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from waymark.core.adapters.mongo import DuplicateError, insert_unique


async def test_document_round_trips(mongo_db: Any) -> None:
    now = datetime(2026, 1, 5, 10, 0, 1, 123000, tzinfo=UTC)
    doc = {
        "_id": "c1",
        "profile": {"email_domain": "example.com", "orders_count": 2, "tags": ["vip", "eu"]},
        "consent": {"email": True, "sms": False},
        "updated_at": now,
        "score": 0.75,
    }
    await mongo_db.customers.insert_one(doc)
    back = await mongo_db.customers.find_one({"_id": "c1"})
    assert back == doc
    await mongo_db.customers.update_one({"_id": "c1"}, {"$inc": {"profile.orders_count": 1}})
    back = await mongo_db.customers.find_one({"_id": "c1"}, {"profile.orders_count": 1})
    assert back["profile"]["orders_count"] == 3


async def test_unique_index_violation_is_duplicate_error(mongo_db: Any) -> None:
    ledger = mongo_db.ledger
    await ledger.create_index("command_id", unique=True)
    await insert_unique(ledger, {"command_id": "cmd-1", "state": "claimed"})
    with pytest.raises(DuplicateError) as caught:
        await insert_unique(ledger, {"command_id": "cmd-1", "state": "claimed"})
    assert caught.value.collection == "ledger"
    assert await ledger.count_documents({"command_id": "cmd-1"}) == 1
    # A different key is still accepted: the index is on command_id only.
    await insert_unique(ledger, {"command_id": "cmd-2", "state": "claimed"})
    assert await ledger.count_documents({}) == 2
