"""The inputs the worker makes itself: due timers, fired schedules and catalog status changes.

None of them writes state. Each becomes a tick to its customer's input partition, decided like
any other input (a replayed or late tick is recognised by decide()). The worker owns the
consume loop and the partitions; this part reads the customers it owns from the local store
when it needs them (after an assignment, when a schedule fires, when a journey is paused,
resumed or archived) and keeps the timer heap in between.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import Tick
from waymark.core.engine import Catalog, CustomerState, from_bytes
from waymark.core.observability import metrics
from waymark.journey_engine.worker.catalog_feed import StatusChange
from waymark.journey_engine.worker.packing import PARTITIONER, Out, PackedSender
from waymark.journey_engine.worker.store import StateStore
from waymark.journey_engine.worker.timers import DueTimer, TimerHeap, pending_timers
from waymark.journey_engine.worker.wire import (
    OutputEncoder,
    catalog_tick,
    schedule_tick,
    utc_now,
)

__all__ = ["SelfTicks"]

log = structlog.get_logger(__name__)

_SCHEDULE_CHECK_S = 1.0
"""How often schedules are looked at (their cron resolution is a second at best)."""


class SelfTicks:
    """Turns due timers, schedules and journey status changes into ticks for the customers
    this worker owns."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        store: StateStore,
        encoder: OutputEncoder,
        name: Callable[[Topic | str], str],
        partitions: int,
        owned: Callable[[], frozenset[int]],
        sender: Callable[[], PackedSender],
        may_fire: Callable[[], bool],
    ) -> None:
        """`owned`: the input partitions owned now; `may_fire`: whether timers may fire now
        (not while partitions move or before the catalog is loaded)."""
        self._catalog = catalog
        self._store = store
        self._encoder = encoder
        self._name = name
        self._partitions = partitions
        self._owned = owned
        self._sender = sender
        self._may_fire = may_fire
        self.timers = TimerHeap(lambda timer: self._tick_out(_tick_of(timer)))
        self._rebuild = False
        self._schedule_marks: dict[str, datetime] = {}

    def rebuild_timers(self) -> None:
        """Rebuild the heap from the owned customers before the next firing (after an
        assignment: the customers owned changed)."""
        self._rebuild = True

    def owned_states(self) -> list[CustomerState]:
        """States of the customers whose input partitions this worker owns now."""
        owned = self._owned()
        every = list(range(self._partitions))
        return [
            from_bytes(raw)
            for key, raw in self._store.items()
            if raw and PARTITIONER(key, every, every) in owned
        ]

    async def fire_timers(self, interval: float) -> None:
        """Every `interval` seconds, send the ticks of due timers and of fired schedules."""
        next_schedule_check = 0.0
        while True:
            await asyncio.sleep(interval)
            if not self._may_fire():
                continue
            if self._rebuild:
                self._rebuild = False
                states = self.owned_states()
                self.timers.rebuild(t for s in states for t in pending_timers(s))
                metrics.ENGINE_LIVE_INSTANCES.set(sum(len(s.instances) for s in states))
                metrics.ENGINE_TIMERS_PENDING.set(len(self.timers))
                log.info("timers rebuilt", pending=len(self.timers), customers=len(states))
            due = self.timers.pop_due_prepared(time.time())
            if due:
                try:
                    await self._sender().send_all(tick for _, tick in due)
                    metrics.ENGINE_TIMERS_FIRED.inc(len(due))
                except Exception:
                    log.exception("firing timers failed; they stay pending")
                    for timer, _ in due:
                        self.timers.add(timer)
            now = time.time()
            if now >= next_schedule_check:
                next_schedule_check = now + _SCHEDULE_CHECK_S
                await self.fire_schedules()

    async def fire_schedules(self) -> None:
        """A tick for every owned customer of each scheduled journey whose time has come."""
        now = utc_now()
        for journey in self._catalog.scheduled():
            last = self._schedule_marks.get(journey.id)
            if last is None:
                self._schedule_marks[journey.id] = now
                continue
            fire = self._catalog.next_fire(journey.id, last)
            if fire is None or fire > now:
                continue
            self._schedule_marks[journey.id] = fire
            customers = [s.customer_id for s in self.owned_states()]
            await self._sender().send_all(
                [self._tick_out(schedule_tick(c, journey.id, fire)) for c in customers]
            )
            log.info("schedule fired", journey_id=journey.id, customers=len(customers))

    async def fan_out(self, change: StatusChange) -> None:
        """Tell every owned customer inside the journey that it was paused, resumed or
        archived."""
        now = utc_now()
        customers = [s.customer_id for s in self.owned_states() if change.journey_id in s.instances]
        await self._sender().send_all(
            [
                self._tick_out(
                    catalog_tick(c, change.journey_id, change.change, change.version, now)
                )
                for c in customers
            ]
        )
        log.info(
            "catalog change fanned out",
            journey_id=change.journey_id,
            change=change.change,
            customers=len(customers),
        )

    def _tick_out(self, tick: Tick) -> Out:
        out = self._encoder.tick(tick)
        return Out(self._name(out.topic), None, out.key, out.value)


def _tick_of(timer: DueTimer) -> Tick:
    return Tick(
        customer_id=timer.customer_id,
        journey_id=timer.journey_id,
        entry_id=timer.entry_id,
        timer_id=timer.timer_id,
        due_at=datetime.fromtimestamp(timer.due_at, UTC),
        generation=timer.generation,
    )
