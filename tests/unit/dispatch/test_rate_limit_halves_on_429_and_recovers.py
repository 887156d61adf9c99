"""The per-provider token bucket halves its rate on a 429 and climbs back while sends succeed."""

from __future__ import annotations

import asyncio

import pytest

from waymark.channel_dispatch.resilience import AdaptiveRateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_429_halves_the_rate_once_per_second() -> None:
    clock = Clock()
    limit = AdaptiveRateLimit("sms", 100.0, recover_s=10.0, clock=clock)
    limit.throttled()
    limit.throttled()  # the same volley of 429s
    assert limit.rate == 50.0
    clock.now += 1.5
    limit.throttled()
    assert limit.rate == 25.0


def test_the_rate_recovers_with_successes_but_never_exceeds_the_configured_one() -> None:
    clock = Clock()
    limit = AdaptiveRateLimit("sms", 100.0, recover_s=10.0, clock=clock)
    limit.throttled()
    clock.now += 2.0
    limit.succeeded()
    assert limit.rate == 70.0
    clock.now += 60.0
    limit.succeeded()
    assert limit.rate == 100.0


def test_the_rate_never_falls_below_a_floor() -> None:
    clock = Clock()
    limit = AdaptiveRateLimit("push", 64.0, clock=clock)
    for _ in range(20):
        clock.now += 2.0
        limit.throttled()
    assert limit.rate == 1.0


async def test_tokens_pace_sends_and_priority_callers_go_first() -> None:
    limit = AdaptiveRateLimit("smtp", 50.0)  # a burst of 5, then one per 20 ms
    for _ in range(5):
        await limit.acquire()
    order: list[str] = []

    async def take(name: str, priority: bool) -> None:
        await limit.acquire(priority=priority)
        order.append(name)

    marketing = asyncio.create_task(take("marketing", False))
    await asyncio.sleep(0)
    transactional = asyncio.create_task(take("transactional", True))
    started = asyncio.get_running_loop().time()
    await asyncio.gather(marketing, transactional)
    assert order == ["transactional", "marketing"]
    assert asyncio.get_running_loop().time() - started >= 0.03


async def test_waiting_sends_wait_in_line_instead_of_each_polling_the_bucket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit = AdaptiveRateLimit("smtp", 200.0)  # a burst of 20, then one per 5 ms
    while limit._tokens >= 1:
        await limit.acquire()
    real_sleep = asyncio.sleep
    naps = 0

    async def counted_sleep(seconds: float) -> None:
        nonlocal naps
        naps += 1
        await real_sleep(seconds)

    monkeypatch.setattr(asyncio, "sleep", counted_sleep)
    waiting = 40
    await asyncio.gather(*(limit.acquire() for _ in range(waiting)))
    # In line, about one nap per token; every waiter polling took ~20 each (800 in all).
    assert naps <= 3 * waiting, naps
