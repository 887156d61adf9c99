"""HTTP plumbing: bounded bodies, error responses with field and reason, request metrics."""

from __future__ import annotations

from collections import Counter
from typing import Any

import prometheus_client
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from waymark.core.observability.metrics import INGEST_REJECTED, INGEST_REQUESTS
from waymark.trigger_ingest.refusals import Fault, RefusalError, TooLargeError, faults_from_pydantic

__all__ = [
    "RequestMetrics",
    "count_request",
    "install_error_handlers",
    "read_body",
    "refusal_response",
]

_log = structlog.get_logger("waymark.trigger_ingest.http")
# FastAPI prefixes a parameter's location with where it came from; the client knows its name.
_SOURCES = frozenset({"path", "query", "header", "cookie", "body"})
# The request counter of each (route template, status): `labels()` takes a lock and builds a
# key on every call. Both parts are bounded, so this stays small.
_REQUEST_COUNTERS: dict[tuple[str, int], prometheus_client.Counter] = {}


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLargeError(
            Fault("body", f"is {int(declared)} bytes; the limit is {limit}", "too_large")
        )
    # The ASGI messages are read here rather than through `request.stream()`, whose async
    # generator costs more than the rest of this function; the contract is the same: chunks
    # until one without more_body, ClientDisconnect if the client goes away first.
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                # Stop reading: an oversized body is never held in memory whole.
                reason = f"is over the limit of {limit} bytes"
                raise TooLargeError(Fault("body", reason, "too_large"))
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _count_rejected(refused: RefusalError) -> None:
    kinds = Counter(fault.kind for fault in refused.faults)
    for kind, count in kinds.items():
        INGEST_REJECTED.labels(reason=kind).inc(count)
    # The good events of a batch refused as a whole are turned away too.
    innocent = refused.events - len(refused.faults)
    if innocent > 0:
        INGEST_REJECTED.labels(reason="batch_rejected").inc(innocent)


def refusal_response(refused: RefusalError) -> JSONResponse:
    """The answer to a refused request, its turned-away events counted by reason."""
    _count_rejected(refused)
    return JSONResponse(refused.body(), status_code=refused.status, headers=refused.headers)


def count_request(route: str, status: int) -> None:
    """Count one answered request by route template (bounded) and status code."""
    counter = _REQUEST_COUNTERS.get((route, status))
    if counter is None:
        counter = INGEST_REQUESTS.labels(route=route, status=str(status))
        _REQUEST_COUNTERS[(route, status)] = counter
    counter.inc()


async def _on_refused(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RefusalError)
    return refusal_response(exc)


async def _on_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors: list[dict[str, Any]] = []
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        if loc and loc[0] in _SOURCES:
            loc = loc[1:]
        errors.append({**error, "loc": tuple(loc)})
    refused = RefusalError(faults_from_pydantic(errors))
    _count_rejected(refused)
    return JSONResponse(refused.body(), status_code=400)


async def _on_http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    body = {"errors": [{"field": None, "reason": str(exc.detail)}]}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _on_error(request: Request, exc: Exception) -> JSONResponse:
    _log.error("unhandled error", path=request.url.path, exc_info=exc)
    body = {"errors": [{"field": None, "reason": "internal error; the request was not accepted"}]}
    return JSONResponse(body, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal as `{"errors": [{"field", "reason"}]}`, validation errors as 400."""
    app.add_exception_handler(RefusalError, _on_refused)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_error)


class RequestMetrics:
    """Counts requests by route template (bounded) and status code."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap `app`."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through and count its response status."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_counted(message: Message) -> None:
            """Note the status as the response starts."""
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            route = scope.get("route")
            count_request(getattr(route, "path", None) or "unmatched", status)
