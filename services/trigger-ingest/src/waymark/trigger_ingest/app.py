"""The trigger-ingest HTTP API: routes over the intakes, health, readiness and metrics."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from waymark.core.observability.metrics import render_metrics
from waymark.trigger_ingest.calls import (
    BatchCall,
    ConsentCall,
    IdentifyCall,
    TrackCall,
    TriggerCall,
)
from waymark.trigger_ingest.event_routes import (
    BATCH_PATH,
    CALL_PATHS,
    JOURNEY_ID,
    TRIGGER_PATH,
    DirectEventRoutes,
    EventAnswers,
    Limits,
)
from waymark.trigger_ingest.http import RequestMetrics, install_error_handlers, read_body
from waymark.trigger_ingest.intake import EventIntake
from waymark.trigger_ingest.openapi import install_openapi, request_body
from waymark.trigger_ingest.publisher import Publisher
from waymark.trigger_ingest.refusals import ErrorBody
from waymark.trigger_ingest.webhooks.email_events import EmailEvent
from waymark.trigger_ingest.webhooks.intake import WebhookIntake
from waymark.trigger_ingest.webhooks.push_events import PushEvent
from waymark.trigger_ingest.webhooks.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER
from waymark.trigger_ingest.webhooks.sms_events import SmsEvent
from waymark.trigger_ingest.write_keys import WriteKeys

__all__ = ["Limits", "Receipt", "WebhookAnswer", "create_app"]


class Receipt(BaseModel):
    """Answer of an accepted call: every event is on the broker."""

    # It documents the 202; `event_routes.receipt` writes its JSON without building it.

    model_config = ConfigDict(populate_by_name=True)

    accepted: int = Field(description="events acknowledged by the broker")
    message_ids: list[str] = Field(
        alias="messageIds", description="the event ids, in order: the client's or generated"
    )


class WebhookAnswer(BaseModel):
    """Answer of an accepted webhook request."""

    accepted: int = Field(description="outcomes and consent events acknowledged by the broker")
    ignored: int = Field(description="provider events that report nothing Waymark records")


async def _source(request: Request) -> str:
    """The source whose write key authenticates the request (401 otherwise)."""
    # async: FastAPI runs a plain `def` dependency in a worker thread, a hop per request.
    keys: WriteKeys = request.app.state.write_keys
    return keys.source(request.headers.get("authorization"))


Writer = Annotated[str, Depends(_source)]
"""A route parameter holding the caller's source; resolved before the body is read."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        400: "the body is invalid: each bad field is named",
        401: "no valid write key or signature",
        413: "the body is over the limit",
        503: "the broker cannot take it now: retry after Retry-After seconds",
    }.items()
}


def create_app(
    *,
    events: EventIntake,
    webhooks: WebhookIntake,
    write_keys: WriteKeys,
    publisher: Publisher,
    limits: Limits,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    """The FastAPI app over already-built handlers (see `bootstrap`)."""
    app = FastAPI(
        title="Waymark trigger-ingest",
        version="1",
        description="Segment-style customer events and provider webhooks onto Kafka. "
        "202 means the broker acknowledged every event.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    answers = EventAnswers(events, limits)
    # Added last, so outermost of the two: event POSTs are answered (and counted) before the
    # router; the routes below declare them and answer what the direct lane passes on.
    app.add_middleware(RequestMetrics)
    app.add_middleware(DirectEventRoutes, answers=answers, write_keys=write_keys)

    app.state.write_keys = write_keys

    # The endpoints return the prebuilt 202 (see `receipt`); `response_model` documents it.
    common: dict[str, Any] = {"status_code": 202, "response_model": Receipt, "responses": _ERRORS}

    @app.post("/v1/identify", openapi_extra=request_body(IdentifyCall), **common)
    async def identify(request: Request, who: Writer) -> Response:
        """Set traits of a customer."""
        return await answers.call(request, "identify", who, None)

    @app.post("/v1/track", openapi_extra=request_body(TrackCall), **common)
    async def track(request: Request, who: Writer) -> Response:
        """Report something a customer did."""
        return await answers.call(request, "track", who, None)

    @app.post("/v1/consent", openapi_extra=request_body(ConsentCall), **common)
    async def consent(request: Request, who: Writer) -> Response:
        """Grant or withdraw marketing consent on a channel."""
        return await answers.call(request, "consent", who, None)

    @app.post(TRIGGER_PATH, openapi_extra=request_body(TriggerCall), **common)
    async def trigger(
        request: Request,
        who: Writer,
        journey_id: Annotated[str, Path(alias="id", pattern=JOURNEY_ID)],
    ) -> Response:
        """Enter a customer into an api-triggered journey; `properties` is `entry.properties`."""
        return await answers.call(request, "api_trigger", who, journey_id)

    @app.post(BATCH_PATH, openapi_extra=request_body(BatchCall), **common)
    async def batch(request: Request, who: Writer) -> Response:
        """Accept up to 1,000 calls at once: all of them, or none with each bad one named."""
        return await answers.batch(request, who)

    @app.post(
        "/v1/webhooks/{provider}",
        status_code=202,
        response_model=WebhookAnswer,
        responses={**_ERRORS, 404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
        openapi_extra=request_body(EmailEvent, SmsEvent, PushEvent, array=True),
    )
    async def webhook(request: Request, provider: str) -> WebhookAnswer:
        """A provider's signed callback: email, SMS and push events become outcomes."""
        raw = await read_body(request, limits.batch_bytes)
        receipt = await webhooks.receive(
            provider,
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            raw,
        )
        return WebhookAnswer(accepted=receipt.accepted, ignored=receipt.ignored)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", responses={503: {"description": "the producer is not connected"}})
    async def readyz() -> JSONResponse:
        """Ready only while the producer reaches the broker."""
        if publisher.ready:
            return JSONResponse({"status": "ready"})
        return JSONResponse(
            {"status": "not ready", "reason": "the broker or its topics cannot be reached"}, 503
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus metrics."""
        body, content_type = render_metrics()
        return Response(body, media_type=content_type)

    install_openapi(
        app,
        [
            IdentifyCall,
            TrackCall,
            ConsentCall,
            TriggerCall,
            BatchCall,
            EmailEvent,
            SmsEvent,
            PushEvent,
        ],
        write_key_paths=[*CALL_PATHS, BATCH_PATH, TRIGGER_PATH],
    )
    return app
