"""End-to-end latency, from the event that decided a send to the provider accepting it.

The chain is event (its own timestamp) -> the send step's `step_completed` transition (whose
`input_id` is that event) -> the `sent` outcome of the same entry and step. Each link is held
in a bounded memory, so this is best effort: a send decided by a timer, or whose event this
process never saw (before a restart, on another replica), is simply not measured.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Generic, TypeVar

from waymark.core.contracts import CustomerEvent, DispatchOutcome, JourneyTransition

__all__ = ["SendLatency"]

K = TypeVar("K")


class _Bounded(Generic[K]):
    """An insertion-ordered map that forgets its oldest entries beyond `capacity`."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: OrderedDict[K, datetime] = OrderedDict()

    def put(self, key: K, value: datetime) -> None:
        if self._capacity <= 0:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)

    def get(self, key: K) -> datetime | None:
        return self._items.get(key)

    def pop(self, key: K) -> datetime | None:
        return self._items.pop(key, None)


class SendLatency:
    """Remembers event times and decided sends; measures a send when its `sent` arrives."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._events: _Bounded[str] = _Bounded(capacity)
        self._sends: _Bounded[tuple[str, str]] = _Bounded(capacity)

    def event(self, event: CustomerEvent) -> None:
        """Remember when an event happened."""
        self._events.put(event.event_id, event.timestamp)

    def decided(self, transition: JourneyTransition) -> None:
        """Remember the event time of a send step completed directly by an event."""
        if transition.kind != "step_completed" or transition.step_id is None:
            return
        happened = self._events.get(transition.input_id) if transition.input_id else None
        if happened is not None:
            self._sends.put((transition.entry_id, transition.step_id), happened)

    def sent(self, outcome: DispatchOutcome) -> float | None:
        """Seconds from the deciding event to this `sent` outcome, once per send; else None."""
        if outcome.status != "sent" or outcome.entry_id is None or outcome.step_id is None:
            return None
        happened = self._sends.pop((outcome.entry_id, outcome.step_id))
        if happened is None:
            return None
        return max(0.0, (outcome.at - happened).total_seconds())
