"""The worker's health, readiness and metrics pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from waymark.core.observability import metrics

__all__ = ["start_web"]


async def start_web(host: str, port: int, ready: Callable[[], dict[str, Any]]) -> web.AppRunner:
    """Serve /healthz, /readyz (200 when `ready()["ready"]`, else 503) and /metrics."""

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        body = ready()
        return web.json_response(body, status=200 if body["ready"] else 503)

    async def metrics_page(request: web.Request) -> web.Response:
        body, content_type = metrics.render_metrics()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
