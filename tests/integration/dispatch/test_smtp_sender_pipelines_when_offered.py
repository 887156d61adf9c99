"""The SMTP sender pipelines MAIL, RCPT and DATA when the server offers PIPELINING, and sends
command by command when it does not; either way the server gets the same message, replies
are read in order, and refusals mean what they mean without pipelining.

A recording TCP relay sits between the sender and the development SMTP sink and keeps each
chunk the sender wrote: a pipelined envelope arrives as one chunk holding all three commands,
a plain one as three chunks (each command waits for the previous reply).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from waymark.channel_dispatch.senders.base import Email, RejectedError, RetryableError
from waymark.channel_dispatch.senders.smtp import SmtpSender
from waymark.channel_dispatch.sinks.smtp import (
    MailFault,
    MailStore,
    SinkHandler,
    _SinkSMTP,
    start_smtp_sink,
)


@dataclass
class Recorded:
    """Chunks the client wrote, as the relay read them."""

    port: int = 0
    chunks: list[bytes] = field(default_factory=list)

    def envelopes(self) -> list[bytes]:
        """The chunks that hold a MAIL command."""
        return [chunk for chunk in self.chunks if b"MAIL FROM:" in chunk]


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, keep: list[bytes] | None
) -> None:
    try:
        while data := await reader.read(65536):
            if keep is not None:
                keep.append(data)
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextlib.asynccontextmanager
async def recording_sink(store: MailStore, *, pipelining: bool) -> AsyncIterator[Recorded]:
    """The SMTP sink behind a relay that records what the client sends."""
    sink = await start_smtp_sink(store, "127.0.0.1", 0, pipelining=pipelining)
    sink_port = sink.sockets[0].getsockname()[1]
    recorded = Recorded()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", sink_port)
        await asyncio.gather(
            _pipe(reader, up_writer, recorded.chunks),
            _pipe(up_reader, writer, None),
            return_exceptions=True,
        )

    relay = await asyncio.start_server(accept, "127.0.0.1", 0)
    recorded.port = relay.sockets[0].getsockname()[1]
    try:
        yield recorded
    finally:
        relay.close()
        sink.close()


def _email(n: int, recipient: str = "ann@example.com") -> Email:
    # A line that starts with a period, and a bare LF: both must arrive as written.
    body = f"Subject: note {n}\r\nMessage-ID: <{n}@shop.example>\r\n\r\nhello\r\n.dot line\nend"
    return Email(
        recipient=recipient,
        sender="Shop <noreply@shop.example>",
        data=body.encode(),
        message_id=f"<{n}@shop.example>",
    )


@pytest.mark.parametrize("offered", [True, False], ids=["pipelining", "plain"])
async def test_envelope_is_one_write_only_when_offered(offered: bool) -> None:
    store = MailStore()
    async with recording_sink(store, pipelining=offered) as recorded:
        sender = SmtpSender(host="127.0.0.1", port=recorded.port, pool_size=1)
        try:
            receipts = [await sender.send(_email(n), key=str(n)) for n in range(3)]
        finally:
            await sender.close()
    assert [r.provider_message_id for r in receipts] == ["1", "2", "3"]
    assert [m.message_id for m in store.messages] == [
        "<0@shop.example>",
        "<1@shop.example>",
        "<2@shop.example>",
    ]
    for mail in store.messages:
        assert mail.rcpt_tos == ("ann@example.com",)
        assert mail.data.endswith(b"hello\r\n.dot line\r\nend\r\n")
    # Three messages over the one pooled connection, one MAIL each.
    envelopes = recorded.envelopes()
    assert len(envelopes) == 3
    together = [b"RCPT TO:<ann@example.com>" in e and e.endswith(b"DATA\r\n") for e in envelopes]
    assert together == [offered] * 3


async def test_pipelined_refusals_keep_their_meaning() -> None:
    store = MailStore(
        faults=[
            MailFault(code=550, message="5.1.1 no such user", address="gone@example.com"),
            MailFault(
                code=451, message="4.3.0 try later", stage="data", address="busy@example.com"
            ),
        ]
    )
    async with recording_sink(store, pipelining=True) as recorded:
        sender = SmtpSender(host="127.0.0.1", port=recorded.port, pool_size=1)
        try:
            with pytest.raises(RejectedError) as bounced:
                await sender.send(_email(1, "gone@example.com"), key="1")
            with pytest.raises(RetryableError) as later:
                await sender.send(_email(2, "busy@example.com"), key="2")
            # Replies were consumed in order: the next message on a fresh exchange goes through.
            receipt = await sender.send(_email(3), key="3")
        finally:
            await sender.close()
    assert (bounced.value.reason, bounced.value.suppress) == ("hard_bounce", "hard_bounce")
    assert later.value.reason == "smtp_451"
    assert receipt.provider_message_id == "1"
    assert [m.message_id for m in store.messages] == ["<3@shop.example>"]
    assert all(b"RCPT TO:" in e for e in recorded.envelopes())


class _CountingSink(_SinkSMTP):
    """The sink, counting the writes it makes on its connection."""

    writes: list[bytes]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.writes = []
        write = self._writer.write

        def counted(data: bytes) -> None:
            self.writes.append(bytes(data))
            write(data)

        self._writer.write = counted  # type: ignore[method-assign]


async def test_sink_answers_a_pipelined_group_in_one_write() -> None:
    sinks: list[_CountingSink] = []

    def factory() -> _CountingSink:
        sinks.append(_CountingSink(SinkHandler(MailStore())))
        return sinks[-1]

    server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
    try:
        await reader.readline()
        writer.write(b"EHLO t\r\n")
        while (await reader.readline())[3:4] == b"-":
            pass
        before = len(sinks[0].writes)
        writer.write(b"MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n")
        replies = [(await reader.readline())[:3] for _ in range(3)]
        group = sinks[0].writes[before:]
        writer.write(b"hi\r\n.\r\n")
        final = await reader.readline()
    finally:
        writer.close()
        server.close()
    assert replies == [b"250", b"250", b"354"]
    assert len(group) == 1  # aiosmtpd alone writes each reply on its own
    assert final.startswith(b"250 ")
