"""The worker's local copy of customer states, kept in step with their changelog topic.

The changelog (compacted, one partition per input partition) is the durable copy; the local
store only spares a restart from reading all of it. Next to the states it keeps, per changelog
partition, the offset of the last record it holds, so that a worker given a partition back
reads only what was written since.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from rocksdict import Options, Rdict, WriteBatch

__all__ = ["MemoryStore", "RocksStore", "StateStore", "open_store"]


class StateStore(Protocol):
    """Customer id → encoded state, and changelog partition → last offset applied."""

    def get(self, key: bytes) -> bytes | None:
        """The state of one customer, None when the worker has never seen them."""
        ...

    def write(self, states: Mapping[bytes, bytes], offsets: Mapping[int, int]) -> None:
        """Store states and the changelog offsets they reach, in one batch."""
        ...

    def offset(self, partition: int) -> int | None:
        """The offset of the last changelog record applied for `partition`."""
        ...

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every stored state."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


class MemoryStore:
    """States in a dict: a restart reads the whole changelog again (tests, small runs)."""

    def __init__(self) -> None:
        self._states: dict[bytes, bytes] = {}
        self._offsets: dict[int, int] = {}

    def get(self, key: bytes) -> bytes | None:
        """See StateStore."""
        return self._states.get(key)

    def write(self, states: Mapping[bytes, bytes], offsets: Mapping[int, int]) -> None:
        """See StateStore."""
        self._states.update(states)
        self._offsets.update(offsets)

    def offset(self, partition: int) -> int | None:
        """See StateStore."""
        return self._offsets.get(partition)

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """See StateStore."""
        return iter(list(self._states.items()))

    def close(self) -> None:
        """See StateStore."""


_OFFSETS = "offsets"


class RocksStore:
    """States in RocksDB (rocksdict), offsets in a column family of the same database."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        options = Options(raw_mode=True)
        options.create_if_missing(True)
        self._db = Rdict(str(path), options)
        try:
            self._offsets = self._db.get_column_family(_OFFSETS)
        except Exception:  # rocksdict raises a plain exception for a missing family
            self._offsets = self._db.create_column_family(_OFFSETS, Options(raw_mode=True))
        self._offsets_handle = self._db.get_column_family_handle(_OFFSETS)

    def get(self, key: bytes) -> bytes | None:
        """See StateStore."""
        value = self._db.get(key)
        return value if isinstance(value, bytes) else None

    def write(self, states: Mapping[bytes, bytes], offsets: Mapping[int, int]) -> None:
        """See StateStore."""
        batch = WriteBatch(raw_mode=True)
        for key, value in states.items():
            batch.put(key, value)
        for partition, offset in offsets.items():
            batch.put(str(partition).encode(), str(offset).encode(), self._offsets_handle)
        self._db.write(batch)

    def offset(self, partition: int) -> int | None:
        """See StateStore."""
        value = self._offsets.get(str(partition).encode())
        return int(value) if isinstance(value, bytes) else None

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """See StateStore."""
        yield from self._db.items()

    def close(self) -> None:
        """See StateStore."""
        # The column family keeps the database open until it is released too.
        del self._offsets, self._offsets_handle
        self._db.close()


def open_store(url: str, data_dir: Path, name: str) -> StateStore:
    """`rocksdb://` (states survive a restart) or `memory://`."""
    if url.startswith("rocksdb:"):
        return RocksStore(data_dir / name)
    if url.startswith("memory:"):
        return MemoryStore()
    raise ValueError(f"store: {url!r} is neither rocksdb:// nor memory://")
