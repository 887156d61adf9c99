"""MongoDB access shared by the ledger and the suppression list: retries and group inserts.

FerretDB on SQLite answers `database is locked` when writers meet, and evaluates every
update and every lookup by scanning the collection. So the hot path only inserts (a unique
index checks those in O(log n)) and looks documents up by `_id` only when a duplicate needs
explaining; inserts arriving together are written together by one `insert_many`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import AutoReconnect, BulkWriteError, NetworkTimeout, OperationFailure

from waymark.core.errors import TransientError
from waymark.core.observability.metrics import DISPATCH_STORE_RETRIES

__all__ = ["DUPLICATE_KEY", "GroupInserter", "with_retries"]

T = TypeVar("T")

DUPLICATE_KEY = 11000
_MAX_WAIT_S = 30.0


def _transient(exc: Exception) -> bool:
    if isinstance(exc, AutoReconnect | NetworkTimeout):
        return True
    if isinstance(exc, OperationFailure) and not isinstance(exc, BulkWriteError):
        return _transient_message(str(exc))
    return False


def _transient_message(text: str) -> bool:
    return "database is locked" in text or "SQLITE_BUSY" in text


async def with_retries(operation: Callable[[], Awaitable[T]], *, what: str) -> T:
    """Run `operation`, retrying lock contention and lost connections for up to 30 s."""
    delay = 0.0005
    waited = 0.0
    while True:
        try:
            return await operation()
        except (OperationFailure, AutoReconnect, NetworkTimeout) as exc:
            if not _transient(exc):
                raise
            if waited >= _MAX_WAIT_S:
                raise TransientError(f"{what}: MongoDB unavailable for {waited:.0f} s") from exc
            pause = delay * (0.5 + random.random())
            await asyncio.sleep(pause)
            waited += pause
            DISPATCH_STORE_RETRIES.inc()
            delay = min(delay * 2, 1.0)


class GroupInserter:
    """Inserts documents in groups: while one `insert_many` runs, the next group gathers.

    `insert(doc)` returns True when the document was written, False when the unique index
    already held its key. With `linger_s` 0 no delay is added: a lone document goes at once;
    otherwise a group that is not full waits up to `linger_s` for more, trading that much
    latency for fewer, larger writes (each `insert_many` costs a round trip and a write
    transaction of the store's single writer, whatever its size).
    """

    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        *,
        max_group: int,
        linger_s: float = 0.0,
    ) -> None:
        """Insert into `collection`, at most `max_group` documents per `insert_many`."""
        self._collection = collection
        self._max_group = max_group
        self._linger_s = linger_s
        self._pending: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def insert(self, document: dict[str, Any]) -> bool:
        """Insert `document` with the others waiting; False when its key exists already."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((document, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            if self._linger_s and len(self._pending) < self._max_group:
                await asyncio.sleep(self._linger_s)
            group = self._pending[: self._max_group]
            del self._pending[: self._max_group]
            try:
                duplicates = await self._write([doc for doc, _ in group])
            except Exception as exc:
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for index, (_, future) in enumerate(group):
                if not future.done():
                    future.set_result(index not in duplicates)

    async def _write(self, documents: list[dict[str, Any]]) -> set[int]:
        """Insert every document; the indexes of those whose key existed already.

        A write refused for contention is written again alone; one that went in before a
        retry comes back as a duplicate, which the callers recognise as their own by its
        owner and source.
        """
        remaining = list(range(len(documents)))
        duplicates: set[int] = set()
        delay = 0.0005
        waited = 0.0
        while remaining:
            batch = [documents[i] for i in remaining]
            try:
                await with_retries(
                    lambda batch=batch: self._collection.insert_many(batch, ordered=False),  # type: ignore[misc]
                    what=f"insert into {self._collection.name}",
                )
                return duplicates
            except BulkWriteError as exc:
                retry: list[int] = []
                for error in exc.details.get("writeErrors", []):
                    index = remaining[int(error["index"])]
                    if error.get("code") == DUPLICATE_KEY:
                        duplicates.add(index)
                    elif _transient_message(str(error.get("errmsg", ""))):
                        retry.append(index)
                    else:
                        raise
                remaining = retry
            if remaining:
                if waited >= _MAX_WAIT_S:
                    raise TransientError(f"insert into {self._collection.name}: still locked")
                pause = delay * (0.5 + random.random())
                await asyncio.sleep(pause)
                waited += pause
                DISPATCH_STORE_RETRIES.inc()
                delay = min(delay * 2, 1.0)
        return duplicates
