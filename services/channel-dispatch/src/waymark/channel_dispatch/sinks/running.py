"""Start and stop both sinks, and the HTTP API that lists and controls them."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from waymark.channel_dispatch.sinks.providers import ProviderStore, add_provider_routes
from waymark.channel_dispatch.sinks.smtp import MailFault, MailStore, start_smtp_sink

__all__ = ["Sinks", "sink_app"]


def sink_app(mail: MailStore, providers: ProviderStore) -> web.Application:
    """The HTTP API: provider endpoints, and listing and faults of the SMTP sink."""
    app = web.Application(client_max_size=16 * 1024 * 1024)

    async def messages(request: web.Request) -> web.Response:
        to = request.query.get("to")
        found = [m for m in mail.messages if to is None or to in m.rcpt_tos]
        return web.json_response({"messages": [m.describe() for m in found]})

    async def receipts(_: web.Request) -> web.Response:
        rows = [[m.message_id, m.received_at] for m in mail.messages]
        return web.json_response({"count": len(rows), "receipts": rows})

    async def stats(_: web.Request) -> web.Response:
        times = [m.received_at for m in mail.messages[:1] + mail.messages[-1:]]
        return web.json_response(
            {
                "count": len(mail.messages),
                "first_at": times[0] if times else None,
                "last_at": times[-1] if times else None,
            }
        )

    async def add_fault(request: web.Request) -> web.Response:
        mail.faults.append(MailFault(**await request.json()))
        return web.json_response({"faults": len(mail.faults)}, status=201)

    async def clear(_: web.Request) -> web.Response:
        mail.messages.clear()
        mail.faults.clear()
        return web.json_response({"reset": True})

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/smtp/messages", messages)
    app.router.add_get("/smtp/receipts", receipts)
    app.router.add_get("/smtp/stats", stats)
    app.router.add_post("/smtp/faults", add_fault)
    app.router.add_delete("/smtp", clear)
    app.router.add_get("/healthz", health)
    add_provider_routes(app, providers)
    return app


@dataclass
class Sinks:
    """Both sinks on loopback; ports 0 pick free ones (read them after `start`)."""

    host: str = "127.0.0.1"
    smtp_port: int = 0
    http_port: int = 0
    mail: MailStore = field(default_factory=MailStore)
    providers: ProviderStore = field(default_factory=ProviderStore)
    _smtp: asyncio.Server | None = None
    _runner: web.AppRunner | None = None

    @property
    def http_url(self) -> str:
        """Base URL of the HTTP sink."""
        return f"http://{self.host}:{self.http_port}"

    async def start(self) -> Sinks:
        """Listen on both ports."""
        self._smtp = await start_smtp_sink(self.mail, self.host, self.smtp_port)
        self.smtp_port = self._smtp.sockets[0].getsockname()[1]
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.http_port))
        self.http_port = sock.getsockname()[1]
        self._runner = web.AppRunner(sink_app(self.mail, self.providers), access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        """Close both servers."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._smtp is not None:
            self._smtp.close()
            await self._smtp.wait_closed()

    async def __aenter__(self) -> Sinks:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()
