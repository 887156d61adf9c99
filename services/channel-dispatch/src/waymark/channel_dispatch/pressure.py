"""Marketing yields to transactional sends across processes, by the delay it causes them.

Off unless `WAYMARK_DISPATCH_MARKETING_YIELD_DELAY` is set. Each lane runs in its own process,
usually on its own pod. Where the lanes still share something that saturates (the database,
a provider, the cores of one machine), a marketing drain at full speed delays transactional
sends. So:

- a transactional lane measures its **delay**: the median latency of its last sends (command
  created → result) above its floor, as a share of the floor. The floor is what its sends
  took while marketing was quiet; a process that starts while marketing sends takes the
  floor an earlier one learned. A send still under way after a whole interval counts with
  its age;
- marketing lanes report how many sends they started, so transactional lanes know when
  marketing is quiet;
- a marketing lane reads the largest new delay every interval and **paces** its sends:
  above the target it loses a quarter of its pace, at up to half the target it gains 3 %.
  After two seconds without transactional reports it runs unpaced; a process starts paced
  at `min_rate`, so a burst climbs (a slow start) while transactional sends flow.

Reports live in `dispatch_pressure`, one document per process and lane. Where nothing is
shared, transactional sends take their floor and marketing is never slowed; where something
is, marketing takes what transactional leaves (a LEDBAT-style scavenger). A clock skew between
the engine, which stamps `created_at`, and the dispatcher shifts latency and floor alike.
Pacing never stops marketing: it keeps at least `min_rate` sends/s.

The median is steady enough not to slow marketing on noise, and it sees a provider or a
database that slows down. It does not see a tail that grows while the median stays: on a
two-core machine shared by everything, a full-speed drain raises the transactional p99 three
times and leaves the median where it was (docs/operations.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from waymark.channel_dispatch.model import Lane
from waymark.core.observability.metrics import DISPATCH_MARKETING_PACE, DISPATCH_TRANSACTIONAL_DELAY

__all__ = ["DelayMeter", "Pace", "PressureBoard", "Yielding"]

log = structlog.get_logger(__name__)

_TINY = 0.001
"""A floor is never taken as less than a millisecond (a share of nothing is meaningless)."""
_CUT = 0.75
"""The pace after an interval above the target, as a share of the pace before."""
_CLIMB = 0.03
"""What the pace gains per interval at up to half the target, as a share of itself."""


class DelayMeter:
    """A transactional lane's delay: the median latency of its last sends above its floor."""

    def __init__(
        self,
        *,
        interval_s: float,
        samples: int = 32,
        settle: int = 8,
        floor_measures: int = 240,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock` is the wall clock in seconds, like the commands' `created_at`.

        Each interval measures the median of the last `samples` latencies. The floor is the
        median of the last `floor_measures` measures taken while marketing was quiet (and had
        been for `settle` intervals, so the measure holds no send it delayed): what sends take
        when marketing is not contending. Until marketing has been quiet, the floor an earlier
        process learned stands in (`seed`), else the lowest measure so far."""
        self._interval_s = interval_s
        self._settle = settle
        self._clock = clock
        self._recent: deque[float] = deque(maxlen=samples)
        self._fresh = 0
        self._under_way: dict[str, float] = {}
        self._quiet_for = 0
        self._quiet: deque[float] = deque(maxlen=floor_measures)
        self._lowest: float | None = None
        self._seed: float | None = None

    def started(self, command_id: str, created_at: float) -> None:
        """A send is under way (its command created at `created_at`, wall seconds)."""
        self._under_way[command_id] = created_at

    def finished(self, command_id: str, latency_s: float | None) -> None:
        """The send ended after `latency_s` from its command's creation (None: dropped)."""
        self._under_way.pop(command_id, None)
        if latency_s is not None:
            self._recent.append(max(latency_s, 0.0))
            self._fresh += 1

    def take(self, *, marketing_quiet: bool) -> float | None:
        """The delay now, as a share of the floor (0.25: sends take a quarter longer than
        when marketing is quiet), or None when nothing was sent since the last time."""
        self._quiet_for = self._quiet_for + 1 if marketing_quiet else 0
        if self._fresh:
            self._fresh = 0
            measure = statistics.median(self._recent)
            if self._quiet_for > self._settle:
                self._quiet.append(measure)
            self._lowest = measure if self._lowest is None else min(self._lowest, measure)
        elif self._under_way and self._lowest is not None:
            # Nothing ended, but a send may be stuck: its age so far is a latency at least.
            measure = self._clock() - min(self._under_way.values())
            if measure < self._interval_s:
                return None
        else:
            return None
        floor = max(self.floor or 0.0, _TINY)
        return max(measure - floor, 0.0) / floor

    @property
    def floor(self) -> float | None:
        """What a send takes while marketing is quiet (s), or None before the first send."""
        if self._quiet:
            return statistics.median(self._quiet)
        return self._seed or self._lowest

    @property
    def learned(self) -> float | None:
        """The floor learned by this meter while marketing was quiet, or None."""
        return statistics.median(self._quiet) if self._quiet else None

    def seed(self, floor: float) -> None:
        """Start from a floor learned before (by an earlier process): a meter that starts
        while marketing sends has no quiet measure of its own for a while."""
        self._seed = floor


class Pace:
    """Marketing's sends/s while transactional lanes report (None: unpaced), and its bucket."""

    def __init__(
        self,
        *,
        target: float,
        min_rate: float,
        quiet_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Paced at `min_rate` until it knows: unpaced after `quiet_s` without reports."""
        self.rate: float | None = min_rate
        self.started = 0
        """Sends started in the interval that ended at the last `follow`."""
        self._target = target
        self._min_rate = min_rate
        self._quiet_s = quiet_s
        self._clock = clock
        self._quiet = 0.0
        self._admitted = 0
        self._counted_at = clock()
        self._tokens = 0.0
        self._refilled_at = self._counted_at
        self._turn = asyncio.Lock()
        DISPATCH_MARKETING_PACE.set(min_rate)

    def follow(self, delay: float | None) -> None:
        """Adjust to the transactional delay reported since the last time (None: no report).

        While transactional lanes report, marketing is paced: from what it does when the
        first report comes (a burst that starts later climbs from `min_rate`: a slow start),
        it loses a quarter per interval above the target and gains 3 % per interval at up to
        half of it. The pace stays within twice what marketing actually does, so it bites at
        once when needed. After `quiet_s` without reports, marketing runs unpaced. A process
        starts paced at `min_rate`: it does not know yet whether transactional sends flow.
        """
        now = self._clock()
        elapsed, self._counted_at = max(now - self._counted_at, 1e-6), now
        admitted, self._admitted = self._admitted, 0
        self.started = admitted
        doing = max(self._min_rate, admitted / elapsed)
        if delay is None:
            self._quiet += elapsed
            if self._quiet >= self._quiet_s:
                self.rate = None
            elif self.rate is not None:
                self._climb(doing)
        else:
            self._quiet = 0.0
            if self.rate is None:
                self.rate = doing
            if delay > self._target:
                self.rate = max(self._min_rate, self.rate * _CUT)
                self._refill(now)
                self._tokens = min(self._tokens, 0.0)
            elif delay <= self._target / 2:
                self._climb(doing)
        DISPATCH_MARKETING_PACE.set(self.rate or 0)

    def _climb(self, doing: float) -> None:
        assert self.rate is not None
        self.rate = min(self.rate * (1 + _CLIMB), 2 * doing)

    async def admit(self) -> None:
        """Wait for this send's turn at the pace (at once when unpaced)."""
        self._admitted += 1
        if self.rate is None:
            return
        # One waiter at a time, in arrival order: hundreds of waiting sends must not all
        # wake up for every token (that alone would take the core marketing yields).
        async with self._turn:
            while self.rate is not None:
                self._refill(self._clock())
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep(max((1 - self._tokens) / self.rate, 0.001))

    def _refill(self, now: float) -> None:
        rate = self.rate or 0.0
        burst = max(1.0, rate / 20)
        self._tokens = min(burst, self._tokens + (now - self._refilled_at) * rate)
        self._refilled_at = now


class PressureBoard:
    """Where the lanes of every process tell each other how they do (MongoDB).

    One document per process and lane, `{_id: "<owner>/<lane>", lane, value, at}`: the
    transactional lane's delay, or how many sends marketing started in the interval. A
    report counts once: one whose `at` has not changed since the last read is old news (its
    lane had nothing to say since). Comparing a report with its own earlier self, not with
    this process's clock, keeps clock skew between hosts out of it.
    """

    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        *,
        owner: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`owner` names this process's reports."""
        self._collection = database["dispatch_pressure"]
        self._owner = owner
        self._clock = clock
        self._seen: dict[str, datetime] | None = None
        self.floors: dict[str, float] = {}
        """The floors transactional lanes learned, by report (the latest read of each)."""

    async def publish(self, lane: Lane, value: float, floor: float | None = None) -> None:
        """This process's report for `lane`, now; a transactional lane's learned floor too."""
        fields: dict[str, Any] = {"lane": lane, "value": value, "at": self._clock()}
        if floor is not None:
            fields["floor"] = floor
        # Idempotency guard. An upsert of this report's one document: repeating it is harmless.
        await self._collection.update_one(
            {"_id": f"{self._owner}/{lane}"}, {"$set": fields}, upsert=True
        )

    async def news(self) -> dict[Lane, list[float]]:
        """The values reported since the last read, per lane.

        The first read only learns what is there: reports written before this process
        started (or by processes long gone) are no news."""
        first, seen = self._seen is None, self._seen or {}
        news: dict[Lane, list[float]] = {"transactional": [], "marketing": []}
        async for doc in self._collection.find({}):
            report, at = str(doc["_id"]), doc["at"]
            if "floor" in doc:
                self.floors[report] = float(doc["floor"])
            if seen.get(report) != at:
                seen[report] = at
                if not first and doc.get("lane") in news:
                    news[doc["lane"]].append(float(doc["value"]))
        self._seen = seen
        return news

    async def withdraw(self) -> None:
        """Leave: this process reports no more."""
        # Idempotency guard. Deleting missing documents changes nothing.
        await self._collection.delete_many({"_id": {"$regex": f"^{re.escape(self._owner)}/"}})


class Yielding:
    """Every interval: publish this process's transactional delay, and pace its marketing."""

    def __init__(
        self,
        board: PressureBoard,
        *,
        interval_s: float,
        meter: DelayMeter | None,
        pace: Pace | None,
    ) -> None:
        """A process has a meter when it runs the transactional lane, a pace for marketing."""
        self._board = board
        self._interval_s = interval_s
        self.meter = meter
        self.pace = pace

    async def run(self, stopping: asyncio.Event) -> None:
        """Until `stopping`; the database away only means no report for a while."""
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=self._interval_s)
            try:
                await self._tick()
            except Exception as exc:  # a report missed: the next interval tries again
                log.warning("pressure_report_failed", error=str(exc))
        with contextlib.suppress(Exception):
            await self._board.withdraw()

    async def _tick(self) -> None:
        news = await self._board.news()
        if self.meter is not None:
            if self.meter.learned is None and self._board.floors:
                self.meter.seed(statistics.median(self._board.floors.values()))
            delay = self.meter.take(marketing_quiet=not any(news["marketing"]))
            if delay is not None:
                DISPATCH_TRANSACTIONAL_DELAY.set(delay)
                await self._board.publish("transactional", delay, self.meter.learned)
        if self.pace is not None:
            self.pace.follow(max(news["transactional"], default=None))
            if self.pace.started:
                await self._board.publish("marketing", self.pace.started)
