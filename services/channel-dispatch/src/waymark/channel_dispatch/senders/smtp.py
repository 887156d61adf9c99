"""Email through SMTP (aiosmtplib): pooled connections, STARTTLS or TLS, optional auth.

Replies map to failures: 4xx and lost connections before the body retry, a 5xx for the
recipient fails and suppresses the address, and a connection lost while the server had the
body is `UncertainError` — the message may be on its way, so it is never sent again.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from email.utils import parseaddr

import aiosmtplib
from aiosmtplib import (
    SMTPAuthenticationError,
    SMTPDataError,
    SMTPException,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)

from waymark.channel_dispatch.senders.base import (
    Email,
    Receipt,
    RejectedError,
    RetryableError,
    UncertainError,
)

__all__ = ["SmtpSender"]

_PLAIN_ADDRESS = re.compile(r"^[!#-;=?A-~]+@[A-Za-z0-9.-]+$")
_QUEUED_AS = re.compile(r"queued as ([A-Za-z0-9._-]+)", re.IGNORECASE)
_BAD_MAILBOX = re.compile(r"\b5\.1\.\d+\b")
_MAX_USES = 1000
"""Messages per connection before it is renewed (servers cap it, and it bounds any leak)."""


@dataclass(slots=True)
class _Connection:
    client: aiosmtplib.SMTP
    uses: int = 0


def _retryable(code: int, message: str, stage: str) -> RetryableError:
    # 421 means the server is going away; other 4xx (greylisting, full mailbox) are per message.
    return RetryableError(f"smtp_{code}", f"{stage}: {message}", unhealthy=code == 421)


class SmtpSender:
    """Sends composed emails over a bounded pool of SMTP connections."""

    name = "smtp"
    takes_idempotency_key = False

    def __init__(
        self,
        *,
        host: str,
        port: int,
        use_tls: bool = False,
        start_tls: bool | None = None,
        validate_certs: bool = True,
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = 15.0,
        pool_size: int = 16,
        local_hostname: str = "waymark.local",
    ) -> None:
        """A pool of up to `pool_size` connections to `host:port`, opened on demand."""
        self._options = {
            "hostname": host,
            "port": port,
            "use_tls": use_tls,
            "start_tls": start_tls,
            "validate_certs": validate_certs,
            "username": username,
            "password": password,
            "timeout": timeout_s,
            "local_hostname": local_hostname,
        }
        self._timeout_s = timeout_s
        self._idle: list[_Connection] = []
        self._from_cache: dict[str, bytes] = {}
        self._slots = asyncio.Semaphore(pool_size)

    async def _connect(self) -> _Connection:
        client = aiosmtplib.SMTP(**self._options)  # type: ignore[arg-type]
        try:
            await client.connect()
        except SMTPAuthenticationError as exc:
            client.close()
            raise RetryableError("smtp_auth", exc.message) from exc
        except (SMTPException, OSError) as exc:
            client.close()
            raise RetryableError("smtp_connect", str(exc) or type(exc).__name__) from exc
        return _Connection(client)

    async def send(self, message: Email, *, key: str) -> Receipt:
        """Send one email; the key is unused (SMTP has no idempotency key)."""
        del key
        async with self._slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            reusable = False
            try:
                receipt, reusable = await self._transaction(conn.client, message)
                return receipt
            finally:
                conn.uses += 1
                if reusable and conn.uses < _MAX_USES and conn.client.is_connected:
                    self._idle.append(conn)
                else:
                    conn.client.close()

    def _envelope_from(self, sender: str) -> bytes:
        cached = self._from_cache.get(sender)
        if cached is None:
            cached = self._from_cache[sender] = b"FROM:<" + parseaddr(sender)[1].encode() + b">"
        return cached

    async def _transaction(self, client: aiosmtplib.SMTP, message: Email) -> tuple[Receipt, bool]:
        # One deadline for the whole transaction instead of one timer per command.
        body_sent = False
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._envelope(client, message)
                body_sent = True
                return await self._data(client, message)
        except TimeoutError as exc:
            client.close()
            if body_sent:
                # The server may have the whole message: sending it again could deliver it twice.
                raise UncertainError("smtp_timeout", "after the body was sent") from exc
            raise RetryableError("smtp_timeout", "before the body was sent") from exc

    async def _envelope(self, client: aiosmtplib.SMTP, message: Email) -> None:
        # MAIL and RCPT are sent as prepared bytes: aiosmtplib's own mail()/rcpt() parse both
        # addresses again for every message, which costs more than the rest of the call.
        if not _PLAIN_ADDRESS.match(message.recipient):
            raise RejectedError("invalid_address", "not a plain ASCII address")
        try:
            mail_from = self._envelope_from(message.sender)
            reply = await client.execute_command(b"MAIL", mail_from, timeout=None)
            if reply.code != 250:
                await self._reset(client)
                if reply.code >= 500:
                    raise RejectedError("smtp_sender_refused", reply.message)
                raise _retryable(reply.code, reply.message, "MAIL")
            to = b"TO:<" + message.recipient.encode("ascii") + b">"
            reply = await client.execute_command(b"RCPT", to, timeout=None)
            if reply.code not in (250, 251):
                await self._reset(client)
                if reply.code >= 500:
                    raise RejectedError("hard_bounce", reply.message, suppress="hard_bounce")
                raise _retryable(reply.code, reply.message, "RCPT")
        except (SMTPServerDisconnected, SMTPTimeoutError, OSError) as exc:
            raise RetryableError("smtp_connection", str(exc) or type(exc).__name__) from exc
        except SMTPResponseException as exc:
            raise _retryable(exc.code, exc.message, "MAIL") from exc

    async def _data(self, client: aiosmtplib.SMTP, message: Email) -> tuple[Receipt, bool]:
        try:
            # Idempotency guard. Reached once per claim; a failure past this point is
            # Uncertain and never retried, since the server may already have the message.
            response = await client.data(message.data, timeout=None)
        except SMTPDataError as exc:
            await self._reset(client)
            if exc.code >= 500:
                if _BAD_MAILBOX.search(exc.message):
                    raise RejectedError("hard_bounce", exc.message, suppress="hard_bounce") from exc
                raise RejectedError(f"smtp_{exc.code}", exc.message) from exc
            raise _retryable(exc.code, exc.message, "DATA") from exc
        except (SMTPException, OSError) as exc:
            # The server may have the whole message: sending it again could deliver it twice.
            raise UncertainError("smtp_data_lost", str(exc) or type(exc).__name__) from exc
        queued = _QUEUED_AS.search(response.message)
        return Receipt(provider_message_id=queued.group(1) if queued else None), True

    @staticmethod
    async def _reset(client: aiosmtplib.SMTP) -> None:
        try:
            await client.rset()
        except (SMTPException, OSError):
            client.close()

    async def close(self) -> None:
        """Quit every idle connection."""
        idle, self._idle = self._idle, []
        for conn in idle:
            try:
                await conn.client.quit()
            except (SMTPException, OSError):
                conn.client.close()
