"""A loopback TCP relay in front of a real server, which a test closes and opens again.

Closed, nothing listens on its port and every relayed connection is cut, so a client sees
what it sees when the server goes away (refused connections, reset sockets) while the shared
server keeps serving everyone else; opened, it listens on the same port again. Without a
target it accepts connections and never answers: a server that hangs. It runs in a thread
with its own event loop, so a test blocking its own loop does not stall the traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Coroutine
from typing import Any


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Relay:
    """Relays 127.0.0.1:`port` to `target` ("host:port"), or holds connections silently."""

    def __init__(self, target: str | None) -> None:
        """Closed until `open()`; its port is chosen now and kept across closes."""
        self.port = _free_port()
        self._target = target.rsplit(":", 1) if target else None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        """host:port of the relay."""
        return f"127.0.0.1:{self.port}"

    def open(self) -> None:
        """Listen (again) on the relay's port."""
        self._call(self._open())

    def close(self) -> None:
        """Stop listening and cut every connection it relays."""
        self._call(self._close())

    def stop(self) -> None:
        """Close and end its thread."""
        self.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _open(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.port, reuse_address=True
            )

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._connections):
            writer.transport.abort()
        self._connections.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        if self._target is None:
            await reader.read()  # a server that hangs: it reads and never answers
            return
        host, port = self._target
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.transport.abort()
            return
        self._connections.add(up_writer)
        await asyncio.gather(
            _copy(reader, up_writer), _copy(up_reader, writer), return_exceptions=True
        )
        self._connections.discard(writer)
        self._connections.discard(up_writer)


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.close()
