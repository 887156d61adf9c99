"""The worker's health, readiness and metrics pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from waymark.core.adapters.readiness import Readiness
from waymark.core.observability import metrics

__all__ = ["start_web"]


async def start_web(
    host: str, port: int, ready: Callable[[], Awaitable[Readiness]]
) -> web.AppRunner:
    """Serve /healthz, /readyz (what `ready()` says: 200 when every check is ok, else 503 naming
    each check) and /metrics."""

    async def healthz(request: web.Request) -> web.Response:
        # Liveness only: a broker outage is readiness' business, not a restart's.
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        verdict = await ready()
        return web.json_response(verdict.body(), status=verdict.status)

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
