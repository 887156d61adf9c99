"""The SMTP sink's quick DATA reader answers and keeps what aiosmtpd's own line-by-line
reader does: the same replies, the same content, for bodies with stuffed dots, lines that
end in a dot, empty bodies, long lines, bodies over the size limit and bodies split across
many packets. Both servers listen on loopback; a raw socket client writes the bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiosmtpd.smtp import SMTP
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waymark.channel_dispatch.sinks.smtp import MailStore, SinkHandler, _SinkSMTP

SIZE_LIMIT = 4096

BODIES = [
    b"",
    b"Subject: x\r\n\r\nhello\r\n",
    b".\r\n",  # a lone-dot line, stuffed: ".." on the wire
    b"..two dots\r\n.one dot\r\nend.\r\n",
    b"line ending in a dot.\r\nnext\r\n",
    b"no final line end",
    b"x" * 3000 + b"\r\n" + b"y.\r\n" * 400,  # long for the reader's limit, many dots
    b"z" * 1200 + b"\r\n",  # a line over aiosmtpd's 1001
    b"w" * 60 + b"\r\n" * 100,  # over the size limit
]


def _stuffed(body: bytes) -> bytes:
    """What a client writes: leading dots doubled, a final line end, the ending dot line."""
    lines = body.split(b"\r\n")
    if lines[-1] == b"":
        lines.pop()
    wire = b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)
    return wire + b".\r\n"


async def _exchange(
    factory: Callable[[SinkHandler], SMTP], body: bytes, chunk: int | None
) -> tuple[list[bytes], list[bytes]]:
    """Replies to MAIL, RCPT, DATA and the body, and what the handler kept."""
    store = MailStore()
    server = await asyncio.get_running_loop().create_server(
        lambda: factory(SinkHandler(store)), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    replies: list[bytes] = []
    try:
        await reader.readline()  # greeting
        for command in (b"EHLO t\r\n", b"MAIL FROM:<a@b.c>\r\n", b"RCPT TO:<d@e.f>\r\n"):
            writer.write(command)
            while (line := await reader.readline())[3:4] == b"-":
                pass
            replies.append(line[:3])
        writer.write(b"DATA\r\n")
        replies.append((await reader.readline())[:3])
        wire = _stuffed(body)
        step = chunk or len(wire)
        for start in range(0, len(wire), step):
            writer.write(wire[start : start + step])
            await writer.drain()
            if chunk:
                await asyncio.sleep(0)
        replies.append((await asyncio.wait_for(reader.readline(), 10))[:3])
        writer.write(b"QUIT\r\n")
        await reader.readline()
    finally:
        writer.close()
        server.close()
    return replies, [mail.data for mail in store.messages]


def _reference(handler: SinkHandler) -> SMTP:
    return SMTP(handler, data_size_limit=SIZE_LIMIT)


def _quick(handler: SinkHandler) -> SMTP:
    return _SinkSMTP(handler, data_size_limit=SIZE_LIMIT)


@pytest.mark.parametrize("chunk", [None, 1, 7, 1000], ids=["whole", "bytes", "7", "1000"])
@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
async def test_listed_bodies_read_alike(body: bytes, chunk: int | None) -> None:
    reference = await _exchange(_reference, body, chunk)
    quick = await _exchange(_quick, body, chunk)
    assert quick == reference


_LINES = st.lists(
    st.sampled_from(
        [b"", b".", b"..", b"a", b"a.", b".a", b"\xc3\xa9", b"x" * 700, b"y" * 1000, b"z" * 1002]
    ),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=_LINES, chunk=st.sampled_from([None, 3, 64]))
async def test_generated_bodies_read_alike(lines: list[bytes], chunk: int | None) -> None:
    body = b"".join(line + b"\r\n" for line in lines)
    assert await _exchange(_quick, body, chunk) == await _exchange(_reference, body, chunk)
