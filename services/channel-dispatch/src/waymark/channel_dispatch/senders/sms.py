"""SMS through a Twilio-style REST API: a form POST to `/2010-04-01/Accounts/{sid}/Messages.json`.

The request carries an `Idempotency-Key` (the command id), so a resend after a crash is
answered with the first message instead of a second one.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from waymark.channel_dispatch.senders.base import Receipt, RejectedError, Sms
from waymark.channel_dispatch.senders.http import HttpClient

__all__ = ["SmsSender"]

# Twilio error codes meaning the number can never receive this: suppress it.
_INVALID_NUMBER = frozenset({21211, 21214, 21217, 21401, 21407, 21612, 21614})
_OPTED_OUT = 21610


class SmsSender:
    """Posts text messages to the provider's Messages resource."""

    name = "sms"
    takes_idempotency_key = True

    def __init__(
        self,
        *,
        base_url: str,
        account_sid: str,
        auth_token: str,
        sender: str,
        timeout_s: float = 10.0,
        pool_size: int = 32,
    ) -> None:
        """Send as `sender` through the account `account_sid`."""
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._authorization = aiohttp.encode_basic_auth(account_sid, auth_token)
        self._from = sender
        self._http = HttpClient(timeout_s=timeout_s, pool_size=pool_size)

    async def send(self, message: Sms, *, key: str) -> Receipt:
        """Send one message; invalid numbers are rejected and suppressed."""
        reply = await self._http.post(
            self._url,
            headers={"Idempotency-Key": key, "Authorization": self._authorization},
            data={"To": message.to, "From": self._from, "Body": message.body},
        )
        if reply.ok:
            body: Any = reply.body
            sid = body.get("sid") if isinstance(body, dict) else None
            return Receipt(provider_message_id=str(sid) if sid else None)
        if reply.status == 400 and isinstance(reply.body, dict):
            code = reply.body.get("code")
            detail = str(reply.body.get("message", ""))[:200]
            if code in _INVALID_NUMBER:
                raise RejectedError("invalid_number", detail, suppress="invalid_number")
            if code == _OPTED_OUT:
                raise RejectedError("opted_out", detail, suppress="unsubscribe")
        reply.fail()

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._http.close()
