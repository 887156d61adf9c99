"""The event routes' answers, and the direct lane that serves them without FastAPI's routing.

A single event is small; FastAPI's work around it (routing, dependency resolution, its
exception middleware, validating and serializing the response model) costs more CPU than
validating, encoding and publishing the event itself. `DirectEventRoutes` answers exactly the
requests those routes would match and hands every other request on untouched. The routes stay
declared on the FastAPI app: they make the OpenAPI document and answer what the lane leaves
alone (a request under a root path, an invalid journey id), and both run `EventAnswers`, so
either way the answer is the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pydantic_core
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from waymark.trigger_ingest.http import count_request, read_body, refusal_response
from waymark.trigger_ingest.intake import CallKind, EventIntake
from waymark.trigger_ingest.refusals import RefusalError
from waymark.trigger_ingest.write_keys import WriteKeys

__all__ = [
    "BATCH_PATH",
    "CALL_PATHS",
    "JOURNEY_ID",
    "TRIGGER_PATH",
    "DirectEventRoutes",
    "EventAnswers",
    "Limits",
    "receipt",
]

JOURNEY_ID = r"^[a-z0-9-]{3,64}$"
TRIGGER_PATH = "/v1/journeys/{id}/trigger"
BATCH_PATH = "/v1/batch"
CALL_PATHS: dict[str, CallKind] = {
    "/v1/identify": "identify",
    "/v1/track": "track",
    "/v1/consent": "consent",
}
"""The path of each single-call route and the kind of call it takes."""

# A trigger path whose id FastAPI's path validation accepts; any other goes the long way.
_TRIGGER = re.compile(r"/v1/journeys/([a-z0-9-]{3,64})/trigger")
_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Limits:
    """Body size limits per route family."""

    event_bytes: int
    batch_bytes: int


def receipt(ids: list[str]) -> Response:
    """The 202 answer naming the accepted event ids: the `Receipt` model's JSON, built directly.

    FastAPI would validate a `Receipt` and dump it with pydantic; the same serializer writes
    the ids here, so the bytes are the same.
    """
    body = b'{"accepted":%d,"messageIds":%b}' % (len(ids), pydantic_core.to_json(ids))
    return Response(body, status_code=202, media_type=_JSON)


class EventAnswers:
    """What an event route answers once its caller's source is known."""

    def __init__(self, events: EventIntake, limits: Limits) -> None:
        """Answer with `events`, reading bodies up to `limits`."""
        self._events = events
        self._limits = limits

    async def call(
        self, request: Request, kind: CallKind, source: str, journey_id: str | None
    ) -> Response:
        """Read the bounded body and hand the call to the intake."""
        raw = await read_body(request, self._limits.event_bytes)
        return receipt(await self._events.call(kind, raw, source=source, journey_id=journey_id))

    async def batch(self, request: Request, source: str) -> Response:
        """Read the bounded body and hand the batch to the intake."""
        raw = await read_body(request, self._limits.batch_bytes)
        return receipt(await self._events.batch(raw, source=source))


class DirectEventRoutes:
    """ASGI middleware answering the POSTs of the event routes itself; the rest goes to `app`.

    It answers as the FastAPI routes do: the write key first (401), then the body (413/400),
    refusals rendered by the same function as the app's exception handler, every request
    counted by route template and status. Unexpected errors propagate to the app's server
    error middleware, as they would from a route.
    """

    def __init__(self, app: ASGIApp, *, answers: EventAnswers, write_keys: WriteKeys) -> None:
        """Wrap `app`; answer with `answers` for the sources of `write_keys`."""
        self.app = app
        self._answers = answers
        self._keys = write_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve an event route's POST, or pass the request on."""
        # Under a root path the router matches on a path without it; leave that to the router.
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            path: str = scope["path"]
            kind = CALL_PATHS.get(path)
            if kind is not None:
                await self._serve(scope, receive, send, path, kind, None)
                return
            if path == BATCH_PATH:
                await self._serve(scope, receive, send, path, None, None)
                return
            if path.startswith("/v1/journeys/") and (match := _TRIGGER.fullmatch(path)):
                await self._serve(scope, receive, send, TRIGGER_PATH, "api_trigger", match[1])
                return
        await self.app(scope, receive, send)

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        route: str,
        kind: CallKind | None,
        journey_id: str | None,
    ) -> None:
        request = Request(scope, receive)
        status = 500
        try:
            try:
                source = self._keys.source(request.headers.get("authorization"))
                if kind is None:
                    response = await self._answers.batch(request, source)
                else:
                    response = await self._answers.call(request, kind, source, journey_id)
            except RefusalError as refused:
                response = refusal_response(refused)
            status = response.status_code
            await response(scope, receive, send)
        finally:
            count_request(route, status)
