"""The ledger: a command is claimed before it is sent and its result recorded after.

Three small collections, written by inserts only (see `storage`):

- `dispatch_claims` — `{_id: command_id, owner, source, sending, channel, claimed_at}`,
  unique on the command id (it is the `_id`): whoever inserts it owns the command. It is
  written at the last moment — right before the provider call (`sending: true`), or right
  before a result decided without one — so few claims are ever left uncertain by a crash;
- `dispatch_sends` — `{_id: command_id, owner, at}`: a provider call is about to happen for a
  command claimed with `sending: false` (only when a crash recovery decides to send it);
- `dispatch_results` — `{_id: command_id, owner, source, status, reason, provider,
  provider_message_id, at}`, unique on the command id (the `_id` again), without the fields
  that are None: the terminal result, written before its outcome is published;
- `dispatch_owners` — `{_id: owner, seen_at, pid, host}`: the heartbeat of each running
  dispatcher, so a claim left by a dead one can be told from one still being sent;
- `dispatch_takeovers` — `{_id: "<command_id>/<dead owner>"}`: one resolver per lost claim.

The first three may live in a database of their own (`WAYMARK_DISPATCH_LEDGER_DATABASE`): on
FerretDB's SQLite backend each database has its own single writer, so a transactional lane
whose process keeps its ledger apart never waits behind a marketing drain's writes. A command
id belongs to one lane's topic, so the lanes' ledgers never need to see each other's claims.

`source` is the Kafka position (`topic:partition:offset`) of the record that made the claim.
Only that record reports the command's outcome; any other record with the same command id
is a duplicate (a second delivery or an engine replay) and is dropped without an outcome.

Documents are kept small, as FerretDB inserts them faster: the command id is only the `_id`,
and a result's fields are on the top level. Earlier versions also wrote a `command_id` field
and nested the result under `result` (with a `recorded_at`); those results are still read, so
a record replayed after an upgrade reports the outcome recorded before it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from waymark.channel_dispatch.model import Position, Result
from waymark.channel_dispatch.storage import GroupInserter, with_retries
from waymark.core.adapters.mongo import DuplicateError, insert_unique
from waymark.core.contracts import SendCommand

__all__ = ["Claim", "ClaimKind", "Ledger"]

Clock = Callable[[], datetime]

_LEGACY_INDEX = "command_id_1"
_GROUP = 64
"""Documents per insert: few enough that a transactional claim never queues long behind."""


async def _index_names(collection: Any) -> set[str]:
    cursor = await collection.list_indexes()
    return {index["name"] async for index in cursor}


def _result_in(doc: dict[str, Any]) -> Result:
    """The result a `dispatch_results` document holds, flat or nested as earlier versions did."""
    return Result.from_document(doc.get("result", doc))


class ClaimKind(Enum):
    """What the ledger says about a record's command."""

    NEW = "new"
    """Claimed now by this record: send it."""
    FINISHED = "finished"
    """This record claimed it before and its result is recorded: publish that result again."""
    UNFINISHED = "unfinished"
    """This record claimed it before (a crashed or other dispatcher) and no result is known."""
    DUPLICATE = "duplicate"
    """Another record claimed it: drop this one, the other reports the outcome."""


@dataclass(frozen=True, slots=True)
class Claim:
    """The ledger's answer for one record."""

    kind: ClaimKind
    owner: str | None = None
    result: Result | None = None
    sending: bool = False
    """For UNFINISHED: the claim was made right before a provider call."""


class Ledger:
    """Claims and results of commands in MongoDB, and the heartbeat of this dispatcher."""

    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        *,
        owner: str,
        clock: Clock,
        owner_stale: timedelta,
        group: int = _GROUP,
        linger_s: float = 0.0,
        records: AsyncDatabase[dict[str, Any]] | None = None,
    ) -> None:
        """Use `database`; `owner` names this process in the claims it makes. Claims, sends
        and results go in `records` when given (a database of their own), the heartbeats
        and takeovers stay in `database`. Writes go in groups of up to `group` documents,
        waiting up to `linger_s` to fill one (see `GroupInserter`): a claim is still
        written, and acknowledged, before its send."""
        self.owner = owner
        self._clock = clock
        self._stale = owner_stale
        records = database if records is None else records
        self._claims = records["dispatch_claims"]
        self._results = records["dispatch_results"]
        self._sends = records["dispatch_sends"]
        self._owners = database["dispatch_owners"]
        self._takeovers = database["dispatch_takeovers"]
        self._claim_writer = GroupInserter(self._claims, max_group=group, linger_s=linger_s)
        self._send_writer = GroupInserter(self._sends, max_group=group, linger_s=linger_s)
        self._result_writer = GroupInserter(self._results, max_group=group, linger_s=linger_s)

    async def ensure_indexes(self) -> None:
        """Drop the `command_id` indexes earlier versions made; idempotent.

        Claims, sends and results are keyed `_id: command_id`, and MongoDB's `_id` index is
        unique: that index is the one the at-most-once guarantee rests on. A second unique
        index on the same value guards nothing more, and FerretDB maintains it on every
        insert (a third more work per claim and per result).
        """
        for collection in (self._claims, self._sends, self._results):
            names = await with_retries(
                lambda c=collection: _index_names(c),  # type: ignore[misc]
                what="list ledger indexes",
            )
            if _LEGACY_INDEX in names:
                await with_retries(
                    lambda c=collection: c.drop_index(_LEGACY_INDEX),  # type: ignore[misc]
                    what="drop a ledger index",
                )

    async def claim(self, cmd: SendCommand, position: Position, *, sending: bool) -> Claim:
        """Claim the command for its record; `sending`: a provider call follows at once."""
        doc = {
            "_id": cmd.command_id,
            "owner": self.owner,
            "source": str(position),
            "sending": sending,
            "channel": cmd.channel,
            "claimed_at": self._clock(),
        }
        # Idempotency guard. The unique index lets exactly one record claim a command.
        if await self._claim_writer.insert(doc):
            return Claim(ClaimKind.NEW)
        return await self._existing(cmd, position)

    async def _existing(self, cmd: SendCommand, position: Position) -> Claim:
        claim = await self._find(self._claims, cmd.command_id)
        if claim is None:
            # Claimed and gone cannot happen (nothing deletes claims); treat as a duplicate.
            return Claim(ClaimKind.DUPLICATE)
        if claim.get("source") != str(position):
            return Claim(ClaimKind.DUPLICATE, owner=claim.get("owner"))
        result = await self.result_of(cmd.command_id)
        if result is not None:
            return Claim(ClaimKind.FINISHED, owner=claim.get("owner"), result=result)
        if claim.get("owner") == self.owner:
            # Our own insert that went in before a retry of it: the claim is this one.
            return Claim(ClaimKind.NEW, owner=self.owner)
        return Claim(
            ClaimKind.UNFINISHED, owner=claim.get("owner"), sending=bool(claim.get("sending"))
        )

    async def mark_sending(self, command: SendCommand) -> None:
        """Note that a provider call is about to happen for a command claimed as not sending."""
        # Idempotency guard. Unique on the command id: a second note of the same call is a no-op.
        await self._send_writer.insert(
            {"_id": command.command_id, "owner": self.owner, "at": self._clock()}
        )

    async def was_sending(self, command_id: str) -> bool:
        """Whether a provider call may have happened after a not-sending claim."""
        return await self._find(self._sends, command_id) is not None

    async def _find(self, collection: Any, command_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = await with_retries(
            lambda: collection.find_one({"_id": command_id}), what="read the ledger"
        )
        return found

    async def result_of(self, command_id: str) -> Result | None:
        """The recorded result of a command, or None."""
        doc = await self._find(self._results, command_id)
        return _result_in(doc) if doc is not None else None

    async def record(self, command: SendCommand, position: Position, result: Result) -> Result:
        """Record the terminal result; the one already recorded wins if there is one."""
        doc = {
            "_id": command.command_id,
            "owner": self.owner,
            "source": str(position),
            **result.to_document(),
        }
        # Idempotency guard. Unique on the command id: the first recorded result is the one.
        if await self._result_writer.insert(doc):
            return result
        stored = await self._find(self._results, command.command_id)
        if stored is None:
            raise RuntimeError(f"result of {command.command_id} is neither new nor stored")
        # Our own write that went in before a retry of it, or a resolver elsewhere that got
        # there first: the stored result is the one reported.
        return _result_in(stored)

    async def take_over(self, command_id: str, dead_owner: str) -> bool:
        """Become the one resolver of a claim a dead owner left; False when another is."""
        # Idempotency guard. One takeover per dead owner's claim: one resolver, one outcome.
        try:
            await insert_unique(
                self._takeovers,
                {"_id": f"{command_id}/{dead_owner}", "owner": self.owner, "at": self._clock()},
            )
        except DuplicateError:
            return False
        return True

    async def beat(self) -> None:
        """Tell other dispatchers this one is alive."""
        now = self._clock()
        # Idempotency guard. An upsert of this owner's one document: repeating it is harmless.
        await with_retries(
            lambda: self._owners.update_one(
                {"_id": self.owner},
                {"$set": {"seen_at": now, "pid": os.getpid(), "host": socket.gethostname()}},
                upsert=True,
            ),
            what="heartbeat",
        )

    async def retire(self) -> None:
        """Leave on a clean shutdown: claims of this owner are all resolved by then."""
        # Idempotency guard. Deleting a missing document changes nothing.
        await with_retries(lambda: self._owners.delete_one({"_id": self.owner}), what="retire")

    async def alive(self, owner: str | None) -> bool:
        """Whether `owner` beat recently (this process always is)."""
        if owner == self.owner:
            return True
        if owner is None:
            return False
        doc = await self._find(self._owners, owner)
        if doc is None:
            return False
        seen: datetime = doc["seen_at"]
        return self._clock() - seen < self._stale
