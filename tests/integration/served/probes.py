"""Asking a service's health pages: one answer, or /readyz until it says what a test waits for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

__all__ = ["Ask", "over_http", "readiness_until"]

Ask = Callable[[str], Awaitable[tuple[int, Any]]]
"""A path -> (status, JSON body) of one service."""


def over_http(base_url: str) -> Ask:
    """Ask the service at `base_url` over loopback HTTP."""

    async def ask(path: str) -> tuple[int, Any]:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{base_url}{path}")
        return response.status_code, response.json()

    return ask


async def readiness_until(
    ask: Ask,
    done: Callable[[int, Any], bool],
    *,
    within: float = 60,
    alive: Callable[[], None] | None = None,
    tail: Callable[[], str] | None = None,
) -> tuple[int, Any]:
    """Ask /readyz until `done(status, body)`; the last answer. `alive` asserts the process
    still runs before each question; `tail` adds its log to a failure."""
    deadline = time.monotonic() + within
    answer: tuple[int, Any] = (0, None)
    while time.monotonic() < deadline:
        if alive is not None:
            alive()
        try:
            answer = await ask("/readyz")
        except httpx.HTTPError as exc:  # not listening yet
            answer = (0, repr(exc))
        if done(*answer):
            return answer
        await asyncio.sleep(0.2)
    log = f"\n{tail()}" if tail is not None else ""
    raise AssertionError(f"/readyz never got there; last answer: {answer}{log}")
