"""ASGI middleware: a bounded request body, and request metrics by route template."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from waymark.core.observability.metrics import API_REQUEST_SECONDS, API_REQUESTS

__all__ = ["BodyLimit", "RequestMetrics"]


async def _refuse(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"errors": [{"field": "body", "reason": reason}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413 before the app parses them, chunked ones too."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        """Wrap `app`; `max_bytes` is the largest body accepted."""
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body up to the limit, then replay it to the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reason = f"the body is larger than {self.max_bytes} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(send, 400, "content-length is not a number")
                    return
                if declared > self.max_bytes:
                    await _refuse(send, 413, reason)
                    return
        # The declared length can be absent (chunked) or wrong: count what actually arrives.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await _refuse(send, 413, reason)
                return
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replayed() -> Message:
            try:
                return next(replay)
            except StopIteration:
                return await receive()

        await self.app(scope, replayed, send)


class RequestMetrics:
    """Count requests and time them by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap `app`."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Record one request once its response has started."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            # The route template, never the raw path: ids in paths would make labels unbounded.
            route: Any = scope.get("route")
            template = str(getattr(route, "path", "unmatched"))
            method = str(scope.get("method", ""))
            API_REQUESTS.labels(method=method, route=template, status=str(status)).inc()
            API_REQUEST_SECONDS.labels(method=method, route=template).observe(
                time.perf_counter() - started
            )
