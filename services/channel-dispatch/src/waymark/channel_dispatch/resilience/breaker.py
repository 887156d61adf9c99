"""A circuit breaker per provider: stop calling one that keeps failing, probe it later."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from waymark.core.observability.metrics import DISPATCH_CIRCUIT_STATE

__all__ = ["CircuitBreaker"]

State = Literal["closed", "open", "half_open"]
_GAUGE: dict[State, int] = {"closed": 0, "half_open": 1, "open": 2}


class CircuitBreaker:
    """Closed until `failures` consecutive failures; open for `reset_s`; then one probe.

    Only failures that say the provider is unwell count (timeouts, connection errors, 5xx);
    a rejected message is a healthy answer and closes the circuit like a success.
    """

    def __init__(
        self,
        provider: str,
        *,
        failures: int = 5,
        reset_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """A closed breaker for `provider`."""
        self.provider = provider
        self._threshold = failures
        self._reset_s = reset_s
        self._clock = clock
        self._state: State = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self._publish()

    @property
    def state(self) -> State:
        """closed, open or half_open."""
        return self._state

    def permit(self) -> float:
        """0 when a call may go now; otherwise the seconds to wait before asking again."""
        if self._state == "closed":
            return 0.0
        if self._state == "open":
            remaining = self._opened_at + self._reset_s - self._clock()
            if remaining > 0:
                return remaining
            self._state = "half_open"
            self._probing = False
            self._publish()
        if self._probing:
            # One probe at a time; the others look again shortly.
            return min(self._reset_s, 0.5)
        self._probing = True
        return 0.0

    def release(self) -> None:
        """A permitted call ended without an answer either way (cancelled): free the probe."""
        self._probing = False

    def success(self) -> None:
        """The provider answered as a healthy provider does."""
        self._failures = 0
        self._probing = False
        if self._state != "closed":
            self._state = "closed"
            self._publish()

    def failure(self) -> None:
        """The provider failed as an unwell provider does."""
        self._failures += 1
        self._probing = False
        if self._state == "half_open" or self._failures >= self._threshold:
            if self._state != "open":
                self._state = "open"
                self._publish()
            self._opened_at = self._clock()

    def _publish(self) -> None:
        DISPATCH_CIRCUIT_STATE.labels(provider=self.provider).set(_GAUGE[self._state])
