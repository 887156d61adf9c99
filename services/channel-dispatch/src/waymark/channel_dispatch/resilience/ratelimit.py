"""A token bucket per provider whose rate halves on a 429 and climbs back while sends succeed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from waymark.core.observability.metrics import DISPATCH_RATE_LIMIT

__all__ = ["AdaptiveRateLimit"]

_MIN_FRACTION = 1 / 64
"""The rate never falls below this share of the configured one."""


class AdaptiveRateLimit:
    """Tokens at `rate` per second, bursts of a tenth of a second; transactional goes first.

    A 429 halves the rate (at most once per second, so a volley of 429s from one burst counts
    once); every success adds back a share, so the full rate returns in `recover_s` of
    success.
    """

    def __init__(
        self,
        provider: str,
        rate: float,
        *,
        recover_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """A full bucket at the configured `rate`."""
        self.provider = provider
        self.max_rate = rate
        self.rate = rate
        self._min_rate = max(rate * _MIN_FRACTION, 0.1)
        self._recover_s = recover_s
        self._clock = clock
        self._tokens = self._burst
        self._refilled_at = clock()
        self._adjusted_at = self._refilled_at
        self._cut_at = float("-inf")
        self._priority_waiting = 0
        self._turn = asyncio.Lock()
        self._publish()

    @property
    def _burst(self) -> float:
        return max(1.0, self.rate / 10)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled_at) * self.rate)
        self._refilled_at = now

    async def acquire(self, *, priority: bool = False) -> None:
        """Wait for a token; a priority caller overtakes waiting non-priority ones.

        Non-priority callers wait in line behind one lock, so only the first of them polls
        the bucket: with every waiting send polling, hundreds of sends waiting at a high rate
        woke up thousands of times a second, a core's worth of work for nothing.
        """
        if priority:
            self._priority_waiting += 1
            try:
                await self._take(priority=True)
            finally:
                self._priority_waiting -= 1
            return
        async with self._turn:
            await self._take(priority=False)

    async def _take(self, *, priority: bool) -> None:
        while True:
            self._refill()
            if self._tokens >= 1 and (priority or not self._priority_waiting):
                self._tokens -= 1
                return
            await asyncio.sleep(max((1 - self._tokens) / self.rate, 0.001))

    def throttled(self) -> None:
        """The provider answered 429: halve the rate."""
        now = self._clock()
        if now - self._cut_at < 1.0:
            return
        self._refill()
        self._cut_at = self._adjusted_at = now
        self.rate = max(self._min_rate, self.rate / 2)
        self._tokens = min(self._tokens, 0.0)
        self._publish()

    def succeeded(self) -> None:
        """A send went through: recover towards the configured rate."""
        if self.rate >= self.max_rate:
            return
        now = self._clock()
        gained = self.max_rate * (now - self._adjusted_at) / self._recover_s
        self._adjusted_at = now
        self.rate = min(self.max_rate, self.rate + gained)
        self._publish()

    def _publish(self) -> None:
        DISPATCH_RATE_LIMIT.labels(provider=self.provider).set(self.rate)
