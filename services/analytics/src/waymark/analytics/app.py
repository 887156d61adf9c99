"""The analytics HTTP API: the journey table, steps, funnel, messages, lift, time series,
customer traces, and the operational endpoints."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Response
from fastapi.responses import JSONResponse

from waymark.analytics.errors import error_body, install_error_handlers
from waymark.analytics.schemas import (
    CustomerTrace,
    ErrorBody,
    FieldError,
    Funnel,
    JourneySteps,
    JourneySummary,
    JourneyTable,
    Lift,
    Messages,
    ReadinessBody,
    TimeSeries,
    TimeseriesMetric,
)
from waymark.analytics.views import JourneyType, Views
from waymark.core.adapters.readiness import Readiness
from waymark.core.journeys.model import JOURNEY_ID_PATTERN
from waymark.core.observability.metrics import render_metrics

__all__ = ["Probes", "create_app"]

Probes = tuple[Callable[[], list[str]], Callable[[], Awaitable[Readiness]]]
"""(alive, ready): what is wrong with the process, and what each readiness check says."""

JourneyId = Annotated[
    str,
    Path(pattern=JOURNEY_ID_PATTERN, description="the journey's slug", examples=["welcome"]),
]
Version = Annotated[
    int | None,
    Query(ge=1, le=2**31 - 1, description="one version only (default: every version)"),
]
_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no such journey or version"},
    422: {"model": ErrorBody, "description": "a parameter is invalid"},
    503: {"model": ErrorBody, "description": "the aggregates store is unavailable"},
}
_LIFT_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    409: {"model": ErrorBody, "description": "no goal, or no split with a control group"},
}


def _problems(status: int, problems: list[str]) -> JSONResponse:
    errors = [FieldError(field=None, reason=p) for p in problems]
    return JSONResponse(error_body(errors), status_code=status)


def create_app(
    views: Views,
    probes: Probes,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    """The app over `views`; `probes` answer /healthz and /readyz."""
    alive, ready = probes
    app = FastAPI(
        title="Waymark analytics",
        version="1",
        description="What customers did with what they were sent: journey results, funnels, "
        "holdout lift and the reasons behind every skipped send.",
        lifespan=lifespan,
    )
    install_error_handlers(app)

    @app.get("/healthz", tags=["operations"], responses={503: {"model": ErrorBody}})
    async def healthz() -> Response:
        """The process works (503 when its consumer stopped for good)."""
        problems = alive()
        return _problems(503, problems) if problems else JSONResponse({"status": "ok"})

    @app.get(
        "/readyz",
        tags=["operations"],
        response_model=ReadinessBody,
        responses={503: {"model": ReadinessBody, "description": "a check is not ok"}},
    )
    async def readyz() -> Response:
        """MongoDB and Kafka answer, the catalog is loaded and the consumer is in its group
        applying batches; else 503 naming the check that is not ok and why."""
        verdict = await ready()
        return JSONResponse(verdict.body(), status_code=verdict.status)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def metrics() -> Response:
        """Every Waymark metric of this process in the Prometheus text format."""
        body, content_type = render_metrics()
        return Response(content=body, media_type=content_type)

    @app.get("/v1/journeys/stats", tags=["journeys"], responses=_ERRORS)
    async def journey_table(
        type: Annotated[JourneyType, Query(description="the journey type")] = "marketing",
    ) -> JourneyTable:
        """The journey table: steps, activities, step statuses, executions, conversions."""
        return await views.table(type)

    @app.get("/v1/journeys/{journey_id}/summary", tags=["journeys"], responses=_ERRORS)
    async def journey_summary(journey_id: JourneyId) -> JourneySummary:
        """Entries, in progress, completed, exited, converted and suppressions, per version."""
        return await views.summary(journey_id)

    @app.get("/v1/journeys/{journey_id}/steps", tags=["journeys"], responses=_ERRORS)
    async def journey_steps(journey_id: JourneyId, version: Version = None) -> JourneySteps:
        """Each step: entered, completed, skipped, failed, in it now, and its status."""
        return await views.steps(journey_id, version)

    @app.get("/v1/journeys/{journey_id}/funnel", tags=["journeys"], responses=_ERRORS)
    async def journey_funnel(journey_id: JourneyId, version: Version = None) -> Funnel:
        """The milestone funnel, from entry to conversion."""
        return await views.funnel(journey_id, version)

    @app.get("/v1/journeys/{journey_id}/messages", tags=["journeys"], responses=_ERRORS)
    async def journey_messages(journey_id: JourneyId, version: Version = None) -> Messages:
        """Per channel: sent, delivered, failed, bounced, opened, clicked, unsubscribed, rates."""
        return await views.messages(journey_id, version)

    @app.get("/v1/journeys/{journey_id}/lift", tags=["journeys"], responses=_LIFT_ERRORS)
    async def journey_lift(
        journey_id: JourneyId,
        step_id: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=64,
                description="the split step (default: the first split with a control group)",
            ),
        ] = None,
    ) -> Lift:
        """Holdout: conversion of control against treatment, the lift and its 95% interval."""
        return await views.lift(journey_id, step_id)

    @app.get("/v1/journeys/{journey_id}/timeseries", tags=["journeys"], responses=_ERRORS)
    async def journey_timeseries(
        journey_id: JourneyId,
        metric: Annotated[TimeseriesMetric, Query(description="what to count per day")],
        days: Annotated[int, Query(ge=1, le=366, description="days in the window")] = 30,
        until: Annotated[
            date | None, Query(description="the last day (UTC; default: today)")
        ] = None,
    ) -> TimeSeries:
        """A daily series of one metric, every day of the window present."""
        return await views.timeseries(journey_id, metric, days, until)

    @app.get("/v1/customers/{customer_id}/trace", tags=["customers"], responses=_ERRORS)
    async def customer_trace(
        customer_id: Annotated[str, Path(min_length=1, max_length=256)],
        limit: Annotated[int | None, Query(ge=1, le=5000)] = None,
    ) -> CustomerTrace:
        """The customer's recent decisions across journeys, with every skipped send and why."""
        return await views.trace(customer_id, limit)

    return app
