"""Per-partition progress: records finish in any order, offsets commit in order.

Sends run concurrently, so record 7 may finish before record 5. The committable offset is
the one after the last record of an unbroken run of finished records from the oldest one; the
outcomes of that run are published in the same transaction as the offset.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from waymark.core.contracts import DispatchOutcome

__all__ = ["PartitionProgress", "Ready"]


@dataclass(slots=True)
class _Entry:
    offset: int
    finished: bool = False
    outcome: DispatchOutcome | None = None


@dataclass(frozen=True, slots=True)
class Ready:
    """A committable run: the offset to commit and the outcomes to publish with it."""

    commit_offset: int
    count: int
    outcomes: tuple[DispatchOutcome, ...]


class PartitionProgress:
    """The records of one partition between fetch and commit."""

    def __init__(self) -> None:
        """No records yet."""
        self._entries: deque[_Entry] = deque()
        self._by_offset: dict[int, _Entry] = {}
        self._unfinished = 0

    def __len__(self) -> int:
        """Records fetched and not yet committed."""
        return len(self._entries)

    @property
    def unfinished(self) -> int:
        """Records still being processed."""
        return self._unfinished

    def add(self, offset: int) -> None:
        """A fetched record, in offset order."""
        if self._entries and offset <= self._entries[-1].offset:
            raise ValueError(f"offset {offset} is not after {self._entries[-1].offset}")
        entry = _Entry(offset)
        self._entries.append(entry)
        self._by_offset[offset] = entry
        self._unfinished += 1

    def finish(self, offset: int, outcome: DispatchOutcome | None) -> None:
        """A record is done; `outcome` is what it reports (None: nothing to report)."""
        entry = self._by_offset[offset]
        if entry.finished:
            raise ValueError(f"offset {offset} finished twice")
        entry.finished = True
        entry.outcome = outcome
        self._unfinished -= 1

    def ready(self) -> Ready | None:
        """The finished run at the head, without removing it; None when there is none."""
        outcomes: list[DispatchOutcome] = []
        count = 0
        last = -1
        for entry in self._entries:
            if not entry.finished:
                break
            count += 1
            last = entry.offset
            if entry.outcome is not None:
                outcomes.append(entry.outcome)
        if not count:
            return None
        return Ready(commit_offset=last + 1, count=count, outcomes=tuple(outcomes))

    def release(self, count: int) -> None:
        """Forget the first `count` records: their offsets are committed."""
        for _ in range(count):
            entry = self._entries.popleft()
            del self._by_offset[entry.offset]
