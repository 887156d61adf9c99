"""Signed webhooks: a JSON POST with `Waymark-Signature: t=<unix>,v1=<hex HMAC-SHA256>`.

The signature covers `"<t>.<body>"` with the shared secret, so a receiver can check origin
and freshness; `Idempotency-Key` (the command id) lets it drop a repeated delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from waymark.channel_dispatch.senders.base import Receipt, Webhook
from waymark.channel_dispatch.senders.http import HttpClient

__all__ = ["WebhookSender", "signature"]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Waymark-Signature` header value of `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class WebhookSender:
    """Posts signed JSON documents to one URL."""

    name = "webhook"
    takes_idempotency_key = True

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        timeout_s: float = 10.0,
        pool_size: int = 32,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Post to `url`, signing with `secret`."""
        self._url = url
        self._secret = secret
        self._clock = clock
        self._http = HttpClient(timeout_s=timeout_s, pool_size=pool_size)

    async def send(self, message: Webhook, *, key: str) -> Receipt:
        """Post once; 429 and 5xx retry, other 4xx fail."""
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            "Waymark-Signature": signature(self._secret, int(self._clock()), message.body),
        }
        reply = await self._http.post(self._url, headers=headers, data=message.body)
        if reply.ok:
            return Receipt(provider_message_id=reply.headers.get("X-Request-Id"))
        reply.fail()

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._http.close()
