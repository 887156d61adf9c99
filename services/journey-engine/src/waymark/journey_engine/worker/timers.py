"""Pending waits of the customers a worker owns, as a heap derived from their states.

Only the decide loop writes state, so a due wait is not handled here: it becomes a Tick record
on `waymark.ticks.v1` that the loop decides like any input. The heap is only an index of the
states (rebuilt whenever partitions are assigned), so losing it loses nothing.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from waymark.core.engine import CustomerState, TimerRequest
from waymark.core.engine.ids import timer_id

__all__ = ["DueTimer", "TimerHeap", "pending_timers"]


@dataclass(frozen=True, slots=True, order=True)
class DueTimer:
    """A wait that comes due at `due_at` (epoch seconds) for one customer's instance."""

    due_at: float
    customer_id: str
    timer_id: str
    journey_id: str
    entry_id: str
    generation: int


def pending_timers(state: CustomerState) -> Iterator[DueTimer]:
    """Every timer the state holds: one per instance whose wait has a due time."""
    for inst in state.instances.values():
        wait = inst.wait
        if wait is None or wait.due_at is None:
            continue
        yield DueTimer(
            float(wait.due_at),
            state.customer_id,
            timer_id(inst.journey_id, inst.entry_id, wait.generation),
            inst.journey_id,
            inst.entry_id,
            wait.generation,
        )


class TimerHeap:
    """Due times of live timers; cancelled or replaced ones are dropped lazily when popped.

    `prepare`, when given, turns a timer into what firing it needs (the encoded tick) as the
    timer is indexed, so that a burst of timers due at one instant costs little more than
    handing over what was prepared.
    """

    def __init__(self, prepare: Callable[[DueTimer], Any] | None = None) -> None:
        self._heap: list[DueTimer] = []
        self._live: dict[str, DueTimer] = {}
        self._prepare = prepare
        self._prepared: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._live)

    def rebuild(self, timers: Iterable[DueTimer]) -> None:
        """Replace the whole index, e.g. after partitions were assigned and restored."""
        self._live = {t.timer_id: t for t in timers}
        self._heap = list(self._live.values())
        heapq.heapify(self._heap)
        prepare = self._prepare
        self._prepared = (
            {key: prepare(timer) for key, timer in self._live.items()} if prepare else {}
        )

    def add(self, timer: DueTimer) -> None:
        """Index a timer (a replacement of the same id supersedes the earlier one)."""
        self._live[timer.timer_id] = timer
        heapq.heappush(self._heap, timer)
        if self._prepare is not None:
            self._prepared[timer.timer_id] = self._prepare(timer)

    def apply(self, requests: Iterable[TimerRequest], state: CustomerState) -> None:
        """Follow a decision's timer requests, taking the details from the new state."""
        wanted = {t.timer_id: t for t in pending_timers(state)}
        for request in requests:
            if request.action == "cancel":
                self._live.pop(request.timer_id, None)
                self._prepared.pop(request.timer_id, None)
            elif request.timer_id in wanted:
                self.add(wanted[request.timer_id])

    def pop_due(self, now: float, limit: int = 100_000) -> list[DueTimer]:
        """Remove and return up to `limit` live timers due at or before `now`."""
        return [timer for timer, _ in self.pop_due_prepared(now, limit)]

    def pop_due_prepared(self, now: float, limit: int = 100_000) -> list[tuple[DueTimer, Any]]:
        """Like pop_due, each timer with what `prepare` made of it (None without one)."""
        due: list[tuple[DueTimer, Any]] = []
        heap, live, prepared = self._heap, self._live, self._prepared
        while heap and heap[0].due_at <= now and len(due) < limit:
            timer = heapq.heappop(heap)
            if live.get(timer.timer_id) == timer:
                del live[timer.timer_id]
                due.append((timer, prepared.pop(timer.timer_id, None)))
        return due

    def forget_customers(self, keep: set[str] | None) -> None:
        """Drop timers of customers no longer owned (None keeps every one)."""
        if keep is None:
            return
        self.rebuild(t for t in self._live.values() if t.customer_id in keep)
