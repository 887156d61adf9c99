"""Exponential backoff with jitter, and the Retry-After header that overrides it."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["Backoff", "parse_retry_after"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """How often and how long to wait between attempts of one send."""

    attempts: int = 5
    """Attempts in all, the first included."""
    base_s: float = 0.5
    cap_s: float = 30.0
    retry_after_cap_s: float = 120.0

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based).

        The provider's Retry-After is honoured (up to a cap); otherwise the exponential step
        is drawn from its upper half, so concurrent senders spread out without ever retrying
        at once.
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap_s)
        step = min(self.cap_s, self.base_s * 2.0 ** max(attempt - 1, 0))
        return step / 2 + rand() * step / 2


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
