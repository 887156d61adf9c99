"""One provider behind its guards: rate limit, circuit breaker, retries with backoff."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from waymark.channel_dispatch.model import Result
from waymark.channel_dispatch.resilience import AdaptiveRateLimit, Backoff, CircuitBreaker
from waymark.channel_dispatch.senders.base import (
    Message,
    RejectedError,
    RetryableError,
    Sender,
    UncertainError,
)
from waymark.channel_dispatch.suppression import SuppressionReason
from waymark.core.observability.metrics import DISPATCH_ATTEMPTS, DISPATCH_SEND_SECONDS

__all__ = ["Delivery", "Provider"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a send ended, and the suppression it calls for."""

    result: Result
    suppress: SuppressionReason | None = None


class Provider:
    """Sends through one sender, retrying what may work later, never past the deadline."""

    def __init__(
        self,
        sender: Sender[Any],
        *,
        limiter: AdaptiveRateLimit,
        breaker: CircuitBreaker,
        backoff: Backoff,
        clock: Callable[[], datetime],
        concurrency: int = 32,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Guard `sender` with a shared `limiter` and `breaker` (one each per provider).

        At most `concurrency` sends of this lane are past their `before_send` at a time, so
        few are ever in the state a crash makes uncertain.
        """
        self.sender = sender
        self._slots = asyncio.Semaphore(concurrency)
        self._seconds = DISPATCH_SEND_SECONDS.labels(provider=sender.name)
        self._attempts_by_result = {
            result: DISPATCH_ATTEMPTS.labels(provider=sender.name, result=result)
            for result in ("ok", "retry", "rejected", "uncertain")
        }
        self.name = sender.name
        self._limiter = limiter
        self._breaker = breaker
        self._backoff = backoff
        self._clock = clock
        self._sleep = sleep

    @property
    def takes_idempotency_key(self) -> bool:
        """Whether a resend with the same key is safe."""
        return bool(self.sender.takes_idempotency_key)

    async def deliver(
        self,
        message: Message,
        *,
        key: str,
        deadline: datetime | None,
        priority: bool,
        before_send: Callable[[], Awaitable[bool]] | None = None,
    ) -> Delivery | None:
        """Send `message` at most once; the result after the last attempt.

        `before_send` runs once, right before the first provider call: the ledger's claim.
        When it answers False the message is not sent and None is returned.
        """
        async with self._slots:
            return await self._attempts(message, key, deadline, priority, before_send)

    async def _attempts(
        self,
        message: Message,
        key: str,
        deadline: datetime | None,
        priority: bool,
        before_send: Callable[[], Awaitable[bool]] | None,
    ) -> Delivery | None:
        reason = "unknown"
        for attempt in range(1, self._backoff.attempts + 1):
            wait = self._breaker.permit()
            while wait > 0:
                if self._past(deadline, wait):
                    return self._ended("expired", "circuit_open")
                await self._sleep(wait)
                wait = self._breaker.permit()
            await self._limiter.acquire(priority=priority)
            if before_send is not None:
                try:
                    proceed = await before_send()
                except BaseException:
                    self._breaker.release()
                    raise
                if not proceed:
                    self._breaker.release()
                    return None
                before_send = None
            started = time.perf_counter()
            try:
                # Idempotency guard. This runs once per claim; keyed providers drop a repeat.
                receipt = await self.sender.send(message, key=key)
            except RetryableError as exc:
                self._observe(started, "retry")
                reason = exc.reason
                if exc.throttled:
                    self._limiter.throttled()
                    self._breaker.success()
                elif exc.unhealthy:
                    self._breaker.failure()
                else:
                    self._breaker.success()
                if attempt == self._backoff.attempts:
                    break
                delay = self._backoff.delay(attempt, exc.retry_after)
                if self._past(deadline, delay):
                    return self._ended("expired", reason)
                log.info("send_retry", provider=self.name, reason=reason, attempt=attempt)
                await self._sleep(delay)
                continue
            except RejectedError as exc:
                self._observe(started, "rejected")
                self._breaker.success()
                return Delivery(self._now("failed", exc.reason), suppress=exc.suppress)
            except UncertainError as exc:
                self._observe(started, "uncertain")
                self._breaker.failure()
                log.warning("send_uncertain", provider=self.name, reason=exc.reason)
                return Delivery(self._now("failed", "unknown"))
            except BaseException:
                # Cancelled or a bug: the probe permit must not stay taken.
                self._breaker.release()
                raise
            self._observe(started, "ok")
            self._breaker.success()
            self._limiter.succeeded()
            return Delivery(
                Result(
                    status="sent",
                    reason=None,
                    provider=self.name,
                    at=self._clock(),
                    provider_message_id=receipt.provider_message_id,
                )
            )
        return Delivery(self._now("failed", f"retries_exhausted:{reason}"))

    def _past(self, deadline: datetime | None, wait: float) -> bool:
        return deadline is not None and self._clock() + timedelta(seconds=wait) >= deadline

    def _now(self, status: Any, reason: str) -> Result:
        return Result(status=status, reason=reason, provider=self.name, at=self._clock())

    def _ended(self, status: Any, reason: str) -> Delivery:
        return Delivery(self._now(status, reason))

    def _observe(self, started: float, result: str) -> None:
        self._seconds.observe(time.perf_counter() - started)
        self._attempts_by_result[result].inc()
