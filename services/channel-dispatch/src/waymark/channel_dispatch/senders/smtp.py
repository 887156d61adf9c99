"""Email through SMTP (aiosmtplib): pooled connections, STARTTLS or TLS, optional auth.

aiosmtplib opens each connection: greeting, EHLO, STARTTLS or TLS, AUTH. When the server
offers PIPELINING (RFC 2920) the connection is then taken over by `_Pipeline`, which writes
MAIL, RCPT and DATA as one packet and the body as a second: two round trips per message
instead of four, and half the writes on both ends. aiosmtplib reads one reply per write, so
it cannot do this itself. Without PIPELINING, aiosmtplib sends command by command.

Replies map to failures: 4xx and lost connections before the body retry, a 5xx for the
recipient fails and suppresses the address, and a connection lost while the server had the
body is `UncertainError` — the message may be on its way, so it is never sent again.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from dataclasses import dataclass
from email.utils import parseaddr
from typing import cast

import aiosmtplib
from aiosmtplib import (
    SMTPAuthenticationError,
    SMTPDataError,
    SMTPException,
    SMTPResponse,
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
_MAX_REPLY = 64 * 1024
"""Bytes of a reply, at most: a server sending more is not speaking SMTP."""
_BARE_LINE_END = re.compile(rb"\r\n|\r|\n")
_LEADING_PERIOD = re.compile(rb"^\.", re.MULTILINE)


def _body(data: bytes) -> bytes:
    """The message as DATA sends it: CRLF line ends, leading periods doubled, `.` to end."""
    crlf = data.count(b"\r\n")
    if data.count(b"\n") != crlf or data.count(b"\r") != crlf:
        data = _BARE_LINE_END.sub(b"\r\n", data)
    if data.startswith(b".") or b"\n." in data:
        data = _LEADING_PERIOD.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class _Pipeline(asyncio.Protocol):
    """The protocol of a connection aiosmtplib opened and the server offered PIPELINING on.

    Replies are parsed as they arrive and queued, however many come in one packet, and
    `replies(n)` waits for the next `n`. A connection lost, an EOF or a malformed reply
    fails every wait from then on.
    """

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        """Take over `client`'s transport; aiosmtplib is not used on it again."""
        if client.transport is None:
            raise SMTPServerDisconnected("Connection lost")
        # uvloop's TLS transport is no `asyncio.Transport` subclass, but has its methods.
        transport = cast(asyncio.Transport, client.transport)
        self._transport = transport
        self._buffer = bytearray()
        self._lines: list[bytes] = []
        self._replies: deque[SMTPResponse] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._broken: SMTPException | None = None
        transport.set_protocol(self)

    @property
    def is_connected(self) -> bool:
        """Whether the connection can take another transaction."""
        return self._broken is None and not self._transport.is_closing()

    def write(self, data: bytes) -> None:
        """Queue `data` for the server."""
        if not self.is_connected:
            raise self._broken or SMTPServerDisconnected("Connection lost")
        self._transport.write(data)

    async def replies(self, count: int) -> list[SMTPResponse]:
        """The next `count` replies, in order."""
        while len(self._replies) < count:
            if self._broken is not None:
                raise self._broken
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return [self._replies.popleft() for _ in range(count)]

    def data_received(self, data: bytes) -> None:
        """Parse every complete reply line; a reply ends at a line without `-` after its code."""
        self._buffer += data
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            if not line[:3].isdigit():
                self._break(SMTPResponseException(-1, f"malformed reply line: {line[:80]!r}"))
                return
            self._lines.append(line[4:].strip(b" \t\r\n"))
            if line[3:4] != b"-":
                text = b"\n".join(self._lines).decode("utf-8", "surrogateescape")
                self._replies.append(SMTPResponse(int(line[:3]), text))
                self._lines = []
        if len(self._buffer) > _MAX_REPLY:
            self._break(SMTPResponseException(-1, "reply too long"))
            return
        self._wake()

    def eof_received(self) -> bool:
        """The server closed its side: nothing more will be answered."""
        self._break(SMTPServerDisconnected("Unexpected EOF received"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail what waits."""
        self._break(SMTPServerDisconnected(f"Connection lost: {exc}" if exc else "Connection lost"))

    def close(self) -> None:
        """Close the connection."""
        self._break(SMTPServerDisconnected("Connection closed"))

    def _break(self, exc: SMTPException) -> None:
        if self._broken is None:
            self._broken = exc
        self._transport.close()
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


@dataclass(slots=True)
class _Connection:
    client: aiosmtplib.SMTP
    pipeline: _Pipeline | None = None
    uses: int = 0

    @property
    def is_connected(self) -> bool:
        if self.pipeline is not None:
            return self.pipeline.is_connected
        return self.client.is_connected

    def close(self) -> None:
        if self.pipeline is not None:
            self.pipeline.close()
        else:
            self.client.close()

    async def quit(self) -> None:
        if self.pipeline is None:
            await self.client.quit()
            return
        self.pipeline.write(b"QUIT\r\n")
        await self.pipeline.replies(1)
        self.pipeline.close()


def _retryable(code: int, message: str, stage: str) -> RetryableError:
    # 421 means the server is going away; other 4xx (greylisting, full mailbox) are per message.
    return RetryableError(f"smtp_{code}", f"{stage}: {message}", unhealthy=code == 421)


def _data_refused(code: int, message: str) -> RejectedError | RetryableError:
    """DATA or the body refused: 5xx fails (a bad mailbox also suppresses), 4xx retries."""
    if code >= 500:
        if _BAD_MAILBOX.search(message):
            return RejectedError("hard_bounce", message, suppress="hard_bounce")
        return RejectedError(f"smtp_{code}", message)
    return _retryable(code, message, "DATA")


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
        pipelining: bool = True,
    ) -> None:
        """A pool of up to `pool_size` connections to `host:port`, opened on demand;
        `pipelining`: use PIPELINING where the server offers it."""
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
        self._pipelining = pipelining
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
        if self._pipelining and client.supports_extension("pipelining"):
            return _Connection(client, _Pipeline(client))
        return _Connection(client)

    async def send(self, message: Email, *, key: str) -> Receipt:
        """Send one email; the key is unused (SMTP has no idempotency key)."""
        del key
        async with self._slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            reusable = False
            try:
                receipt, reusable = await self._transaction(conn, message)
                return receipt
            finally:
                conn.uses += 1
                if reusable and conn.uses < _MAX_USES and conn.is_connected:
                    self._idle.append(conn)
                else:
                    conn.close()

    def _envelope_from(self, sender: str) -> bytes:
        cached = self._from_cache.get(sender)
        if cached is None:
            cached = self._from_cache[sender] = b"FROM:<" + parseaddr(sender)[1].encode() + b">"
        return cached

    async def _transaction(self, conn: _Connection, message: Email) -> tuple[Receipt, bool]:
        # One deadline for the whole transaction instead of one timer per command.
        body_sent = False
        try:
            async with asyncio.timeout(self._timeout_s):
                if conn.pipeline is not None:
                    await self._pipelined_envelope(conn.pipeline, message)
                    body_sent = True
                    return await self._pipelined_data(conn.pipeline, message)
                await self._envelope(conn.client, message)
                body_sent = True
                return await self._data(conn.client, message)
        except TimeoutError as exc:
            conn.close()
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

    async def _pipelined_envelope(self, pipeline: _Pipeline, message: Email) -> None:
        """MAIL, RCPT and DATA in one write; a refusal is read from the first reply that has one.

        A server refusing MAIL or RCPT refuses DATA too (no valid recipients), so DATA's
        reply explains something only when MAIL and RCPT were accepted.
        """
        if not _PLAIN_ADDRESS.match(message.recipient):
            raise RejectedError("invalid_address", "not a plain ASCII address")
        to = message.recipient.encode("ascii")
        try:
            pipeline.write(
                b"MAIL " + self._envelope_from(message.sender) + b"\r\nRCPT TO:<" + to
                + b">\r\nDATA\r\n"
            )  # fmt: skip
            mail, rcpt, data = await pipeline.replies(3)
        except (SMTPServerDisconnected, OSError) as exc:
            raise RetryableError("smtp_connection", str(exc) or type(exc).__name__) from exc
        except SMTPResponseException as exc:
            raise _retryable(exc.code, exc.message, "MAIL") from exc
        if mail.code != 250:
            if mail.code >= 500:
                raise RejectedError("smtp_sender_refused", mail.message)
            raise _retryable(mail.code, mail.message, "MAIL")
        if rcpt.code not in (250, 251):
            if rcpt.code >= 500:
                raise RejectedError("hard_bounce", rcpt.message, suppress="hard_bounce")
            raise _retryable(rcpt.code, rcpt.message, "RCPT")
        if data.code != 354:
            raise _data_refused(data.code, data.message)

    async def _pipelined_data(self, pipeline: _Pipeline, message: Email) -> tuple[Receipt, bool]:
        try:
            # Idempotency guard. Reached once per claim; a failure past this point is
            # Uncertain and never retried, since the server may already have the message.
            pipeline.write(_body(message.data))
            (reply,) = await pipeline.replies(1)
        except (SMTPException, OSError) as exc:
            raise UncertainError("smtp_data_lost", str(exc) or type(exc).__name__) from exc
        if reply.code != 250:
            raise _data_refused(reply.code, reply.message)
        queued = _QUEUED_AS.search(reply.message)
        return Receipt(provider_message_id=queued.group(1) if queued else None), True

    async def _data(self, client: aiosmtplib.SMTP, message: Email) -> tuple[Receipt, bool]:
        try:
            # Idempotency guard. Reached once per claim; a failure past this point is
            # Uncertain and never retried, since the server may already have the message.
            response = await client.data(message.data, timeout=None)
        except SMTPDataError as exc:
            await self._reset(client)
            raise _data_refused(exc.code, exc.message) from exc
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
                await conn.quit()
            except (SMTPException, OSError):
                conn.close()
