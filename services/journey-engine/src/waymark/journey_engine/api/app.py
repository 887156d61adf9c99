"""The FastAPI app factory: routers, error handlers, body limit and request metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from waymark.journey_engine.api.context import ApiContext
from waymark.journey_engine.api.errors import install_error_handlers
from waymark.journey_engine.api.middleware import BodyLimit, RequestMetrics
from waymark.journey_engine.api.openapi import install_openapi
from waymark.journey_engine.api.routes import (
    analytics,
    drafts,
    journeys,
    me,
    ops,
    templates,
    tools,
    versions,
)
from waymark.journey_engine.console import STATIC_DIR

__all__ = ["create_app"]

DESCRIPTION = """\
Journeys, their versions and lifecycle, validation, simulation, test sends and templates;
journeys as YAML; template previews; and the analytics service's results, for the console.

Authenticate with `Authorization: Bearer <token>`; viewers read, editors write, admins also
delete. Every error is a 4xx (or 503 while a dependency is down) with a body
`{"errors": [{"field": ..., "reason": ...}]}`; the probes are the exception: `/readyz`
answers `{"ready": false, "checks": {name: "ok" or why not}}` with its 503.
"""


def create_app(
    services: Callable[[], AbstractAsyncContextManager[ApiContext]], *, max_body_bytes: int
) -> FastAPI:
    """The API; `services` builds the context when the app starts and closes it at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with services() as built:
            app.state.services = built
            yield

    app = FastAPI(
        title="Waymark journey-engine API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_openapi(app)
    # Validation routes come before `/{journey_id}` ones so `validate` is never taken for an id.
    app.include_router(tools.router)
    app.include_router(drafts.router)
    app.include_router(journeys.router)
    app.include_router(versions.router)
    app.include_router(templates.router)
    app.include_router(ops.router)
    app.include_router(me.router)
    app.include_router(analytics.router)
    # Mounted last: `/` matches every path, so the API's routes must be tried first.
    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="console")
    # The last one added is the outermost: metrics also count the 413s of the body limit.
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(RequestMetrics)
    return app
