"""What the HTTP senders share: one pooled session each, and how a response maps to a failure."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import aiohttp

from waymark.channel_dispatch.resilience.backoff import parse_retry_after
from waymark.channel_dispatch.senders.base import RejectedError, RetryableError

__all__ = ["HttpClient", "HttpReply"]


@dataclass(frozen=True, slots=True)
class HttpReply:
    """A provider's answer: status, headers and the body parsed as JSON when it is JSON."""

    status: int
    headers: Mapping[str, str]
    body: Any

    @property
    def ok(self) -> bool:
        """A 2xx status."""
        return 200 <= self.status < 300

    def retry_after(self) -> float | None:
        """The Retry-After header in seconds, when present and valid."""
        return parse_retry_after(self.headers.get("Retry-After"))

    def fail(self) -> NoReturn:
        """Raise the failure this reply means: retry for 429 and 5xx, rejected otherwise."""
        if self.status == 429:
            raise RetryableError(
                "http_429",
                "throttled",
                retry_after=self.retry_after(),
                throttled=True,
                unhealthy=False,
            )
        if self.status >= 500 or self.status == 408:
            raise RetryableError(f"http_{self.status}", retry_after=self.retry_after())
        raise RejectedError(f"http_{self.status}", str(self.body)[:200])


class HttpClient:
    """A pooled aiohttp session with a total timeout per request."""

    def __init__(self, *, timeout_s: float, pool_size: int) -> None:
        """Nothing connects until the first request."""
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def post(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        data: bytes | Mapping[str, str],
    ) -> HttpReply:
        """POST and read the whole reply; timeouts and lost connections are RetryableError."""
        try:
            # Idempotency guard. The senders pass the command id as Idempotency-Key, so a
            # retry of this request is answered with the first one's result.
            async with self._open().post(url, headers=headers, data=data) as response:
                raw = await response.read()
                content_type = response.headers.get("Content-Type", "")
                body: Any = raw.decode("utf-8", "replace")
                if "json" in content_type and raw:
                    with contextlib.suppress(ValueError):
                        body = json.loads(raw)
                return HttpReply(response.status, dict(response.headers), body)
        except TimeoutError as exc:
            raise RetryableError("timeout", url) from exc
        except asyncio.CancelledError:
            raise
        except aiohttp.ClientError as exc:
            raise RetryableError("connection", str(exc) or type(exc).__name__) from exc

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
