"""The development SMTP sink: an aiosmtpd server that keeps every message it accepts.

Faults are set per recipient (or for all): answer a code at RCPT or DATA, or hang before
answering DATA, a number of times or until cleared. Messages are kept raw and parsed only
when listed, so the sink stays fast enough to measure a sender against.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.smtp import SMTP, Envelope, Session, syntax

__all__ = ["MailFault", "MailStore", "ReceivedMail", "SinkHandler", "start_smtp_sink"]

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)
# `<local@domain>` with a dot-atom local part and a plain domain, then the parameters.
_PLAIN_PATH = re.compile(r"\s*<([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+)>(.*)\Z", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    """One accepted message: envelope, raw bytes, Message-ID and arrival time (epoch s)."""

    seq: int
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    message_id: str | None
    received_at: float

    def describe(self) -> dict[str, Any]:
        """The message as JSON-able data: headers, subject, text and HTML bodies."""
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        text = parsed.get_body(("plain",))
        html = parsed.get_body(("html",))
        return {
            "seq": self.seq,
            "mail_from": self.mail_from,
            "rcpt_tos": list(self.rcpt_tos),
            "message_id": self.message_id,
            "received_at": self.received_at,
            "headers": {k: str(v) for k, v in parsed.items()},
            "subject": str(parsed.get("Subject", "")),
            "text": text.get_content() if isinstance(text, EmailMessage) else None,
            "html": html.get_content() if isinstance(html, EmailMessage) else None,
        }


@dataclass(slots=True)
class MailFault:
    """Answer `code message` at `stage` (or hang `hang_s` before DATA's answer) `times` times."""

    code: int = 550
    message: str = "5.1.1 mailbox unavailable"
    stage: Literal["rcpt", "data"] = "rcpt"
    address: str | None = None
    times: int | None = None
    hang_s: float = 0.0

    def matches(self, address: str, stage: str) -> bool:
        """Whether this fault applies to `address` at `stage`."""
        wanted = self.address is None or self.address.lower() == address.lower()
        return wanted and self.stage == stage and (self.times is None or self.times > 0)


@dataclass
class MailStore:
    """What the SMTP sink received, and the faults it is told to produce."""

    messages: list[ReceivedMail] = field(default_factory=list)
    faults: list[MailFault] = field(default_factory=list)

    def fault_for(self, address: str, stage: str) -> MailFault | None:
        """The first live fault for `address` at `stage`, consuming one of its times."""
        for fault in self.faults:
            if fault.matches(address, stage):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def keep(self, envelope: Envelope) -> ReceivedMail:
        """Store an accepted message."""
        data = envelope.original_content or b""
        found = _MESSAGE_ID.search(data, 0, data.find(b"\r\n\r\n") + 4 or len(data))
        mail = ReceivedMail(
            seq=len(self.messages) + 1,
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=data,
            message_id=found.group(1).decode() if found else None,
            received_at=time.time(),
        )
        self.messages.append(mail)
        return mail


class SinkHandler:
    """aiosmtpd handler: apply faults at RCPT and DATA, keep what is accepted.

    It offers PIPELINING (RFC 2920), as most providers do: aiosmtpd reads commands one by
    one from its stream and answers each in order, which is all a pipelining client needs.
    """

    def __init__(self, store: MailStore, *, pipelining: bool = True) -> None:
        """Keep messages in `store`; `pipelining`: offer PIPELINING in the EHLO reply."""
        self.store = store
        self.pipelining = pipelining

    async def handle_EHLO(  # noqa: N802 - the name aiosmtpd calls
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """aiosmtpd's EHLO reply, with PIPELINING before its last line."""
        session.host_name = hostname
        if self.pipelining:
            responses.insert(len(responses) - 1 if responses else 0, "250-PIPELINING")
        return responses

    async def handle_RCPT(  # noqa: N802 - the name aiosmtpd calls
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Refuse the recipient when a fault says so."""
        fault = self.store.fault_for(address, "rcpt")
        if fault is not None:
            return f"{fault.code} {fault.message}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Accept the message, or answer (or hang) as a fault says."""
        for address in envelope.rcpt_tos:
            fault = self.store.fault_for(address, "data")
            if fault is not None:
                if fault.hang_s:
                    await asyncio.sleep(fault.hang_s)
                return f"{fault.code} {fault.message}"
        mail = self.store.keep(envelope)
        return f"250 2.0.0 OK: queued as {mail.seq}"


class _SinkSMTP(SMTP):
    """aiosmtpd's server, reading plain addresses and message bodies the short way.

    aiosmtpd parses every MAIL and RCPT path with `email`'s RFC 5322 parser (and defines a
    class on each call): a third of the sink's CPU while a sender is measured against it.
    A plain `<local@domain>` is read with one regular expression; anything else still goes
    through aiosmtpd's parser. DATA is read in pieces up to the ending `.` line instead of
    line by line (see `smtp_DATA`).
    """

    _held: list[bytes]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held = []

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        plain = _PLAIN_PATH.match(arg) if arg else None
        if plain is not None:
            local = plain.group(1).rpartition("@")[0]
            dot_atom = not local.startswith(".") and not local.endswith(".") and ".." not in local
            if dot_atom and (not self.local_part_limit or len(local) <= self.local_part_limit):
                return plain.group(1), plain.group(2)
        result: tuple[str | None, str | None] = super()._getaddr(arg)
        return result

    async def push(self, status: str | bytes) -> None:
        """aiosmtpd's reply, held back while more commands are already waiting to be read.

        A pipelining client's MAIL, RCPT and DATA arrive together; their three replies go
        back in one write instead of three. A reply is sent as soon as nothing more is
        waiting, so a client that waits for each reply (or for 354) gets it at once.
        """
        if isinstance(status, str):
            status = status.encode("utf-8" if self.enable_SMTPUTF8 else "ascii")
        self._held.append(status + b"\r\n")
        # asyncio's StreamReader keeps what it received and has not handed out in `_buffer`.
        waiting: bytearray | None = getattr(self._reader, "_buffer", None)
        if waiting is not None and b"\n" in waiting:
            return
        replies, self._held = b"".join(self._held), []
        self._writer.write(replies)
        await self._writer.drain()

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 - the name aiosmtpd calls
        """aiosmtpd's DATA, answering alike, with the body read in a few large reads.

        aiosmtpd awaits each line of the body and checks it on its own: the biggest part of
        the sink's work per message. The same limits hold: 552 past `data_size_limit`, 500
        for a line longer than `line_length_limit`; leading dots are removed the same way.
        """
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            body, size = await self._read_body()
        except asyncio.CancelledError:
            self._writer.close()
            raise
        refusal = self._refusal(body, size)
        if refusal is not None:
            await self.push(refusal)
            self._after_data()
            return
        # RFC 5321 4.5.2: a line starting with a period had one more added by the client.
        if body.startswith(b"."):
            body = body[1:]
        body = body.replace(b"\r\n.", b"\r\n")
        self.envelope.content = body
        self.envelope.original_content = body
        status = await self._call_handler_hook("DATA")
        self._after_data()
        await self.push(status)

    def _after_data(self) -> None:
        self._set_post_data_state()  # type: ignore[no-untyped-call]

    def _refusal(self, body: bytes, size: int) -> str | None:
        """aiosmtpd's answer to a body too large or with a line too long, else None.

        As aiosmtpd reads line by line, the first limit crossed decides: a line longer than
        the reader's limit is refused before its bytes count, a line just over the line limit
        after they count.
        """
        limit, line_limit = self.data_size_limit, self.line_length_limit
        if not (limit and size > limit) and (
            len(body) <= line_limit or max(map(len, body.split(b"\r\n"))) + 2 <= line_limit
        ):
            return None
        total = 0
        for line in body.split(b"\r\n"):
            if len(line) > line_limit:
                return "500 Line too long (see RFC5321 4.5.3.1.6)"
            total += len(line) + 2
            if limit and total > limit:
                return "552 Error: Too much mail data"
            if len(line) + 2 > line_limit:
                return "500 Line too long (see RFC5321 4.5.3.1.6)"
        return "552 Error: Too much mail data"

    async def _read_body(self) -> tuple[bytes, int]:
        """The body as written (dots still doubled) up to the `.` line that ends it, and its
        size. Past the size limit (and a line's length more) it reads on but keeps nothing.

        Reads up to each `.<CRLF>`; it ends the body only at the start of a line. A piece
        longer than the reader's limit is taken as it is and the search goes on.
        """
        parts: list[bytes] = []
        size = 0
        keep = (self.data_size_limit or 0) + self.line_length_limit + 3
        tail = b"\r\n"  # DATA's own line end precedes the body
        while True:
            try:
                part = await self._reader.readuntil(b".\r\n")
            except asyncio.LimitOverrunError as exc:
                part = await self._reader.readexactly(exc.consumed)
                ends = False
            else:
                ends = (tail + part[:-3])[-2:] == b"\r\n"
            if not self.data_size_limit or size <= keep:
                parts.append(part)
            size += len(part)
            tail = (tail + part)[-2:]
            if ends:
                return b"".join(parts)[:-3], size - 3


async def start_smtp_sink(
    store: MailStore, host: str, port: int, *, pipelining: bool = True
) -> asyncio.Server:
    """Listen for SMTP on `host:port` (port 0 picks a free one) and keep into `store`."""
    handler = SinkHandler(store, pipelining=pipelining)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: _SinkSMTP(handler, hostname="waymark-sink", data_size_limit=10 * 1024 * 1024),
        host=host,
        port=port,
    )
