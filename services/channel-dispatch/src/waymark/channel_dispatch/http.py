"""The HTTP surface: `/healthz`, `/readyz`, `/metrics`, and the unsubscribe link target.

`GET /v1/unsubscribe/{token}` shows a confirmation form (mail scanners follow links, so a GET
changes nothing); `POST` — from that form, or from a mail client's RFC 8058 one-click with
the body `List-Unsubscribe=One-Click` — suppresses the address for marketing and reports an
`unsubscribed` outcome, so the engine withdraws the channel's consent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from hashlib import blake2b
from html import escape

import structlog
from aiohttp import web
from aiokafka import AIOKafkaProducer

from waymark.channel_dispatch.model import WAYMARK
from waymark.channel_dispatch.suppression import SuppressionList
from waymark.channel_dispatch.unsubscribe import UnsubscribeLinks, UnsubscribeRequest
from waymark.core.adapters.readiness import Readiness
from waymark.core.contracts import AvroCodec, Channel, DispatchOutcome
from waymark.core.observability.metrics import DISPATCH_UNSUBSCRIBES, render_metrics

__all__ = ["Unsubscriber", "http_app"]

log = structlog.get_logger(__name__)

_CHANNELS: frozenset[str] = frozenset({"email", "sms", "push", "webhook"})
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">{body}</body></html>"""


class Unsubscriber:
    """Carries out an unsubscribe: suppression for marketing, and an `unsubscribed` outcome."""

    def __init__(
        self,
        *,
        links: UnsubscribeLinks,
        suppressions: SuppressionList,
        producer: AIOKafkaProducer,
        codec: AvroCodec,
        outcomes_topic: str,
        clock: Callable[[], datetime],
    ) -> None:
        """Report outcomes through `producer` (durable, not a lane's transactional one)."""
        self.links = links
        self._suppressions = suppressions
        self._producer = producer
        self._codec = codec
        self._topic = outcomes_topic
        self._clock = clock

    async def unsubscribe(self, request: UnsubscribeRequest, method: str) -> None:
        """Suppress the address and report it; repeating it changes nothing more."""
        if request.channel not in _CHANNELS:
            raise ValueError("unknown channel")
        channel: Channel = request.channel  # type: ignore[assignment]
        digest = blake2b(f"{request.command_id}\x1funsubscribed".encode(), digest_size=16)
        outcome = DispatchOutcome(
            outcome_id=digest.hexdigest(),
            command_id=request.command_id,
            customer_id=request.customer_id,
            journey_id=request.journey_id,
            step_id=request.step_id,
            channel=channel,
            status="unsubscribed",
            reason=method,
            provider=WAYMARK,
            at=self._clock(),
        )
        # Idempotency guard. The outcome id is fixed per send, so consumers drop a repeat.
        await self._producer.send_and_wait(
            self._topic,
            self._codec.encode(self._topic, outcome.to_avro()),
            key=request.customer_id.encode(),
        )
        await self._suppressions.add_key(
            request.suppression_key, channel, "unsubscribe", source=request.command_id
        )


def http_app(
    readiness: Callable[[], Awaitable[Readiness]], unsubscriber: Unsubscriber | None
) -> web.Application:
    """The aiohttp application of the HTTP surface; `/readyz` answers what `readiness` says."""
    app = web.Application(client_max_size=64 * 1024)

    async def healthz(_: web.Request) -> web.Response:
        # Liveness only: a broker or database outage is readiness' business, not a restart's.
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        verdict = await readiness()
        return web.json_response(verdict.body(), status=verdict.status)

    async def metrics(_: web.Request) -> web.Response:
        body, content_type = render_metrics()
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    if unsubscriber is not None:
        _add_unsubscribe(app, unsubscriber)
    return app


def _page(title: str, body: str, status: int = 200) -> web.Response:
    html = _PAGE.format(title=escape(title), body=body)
    return web.Response(text=html, content_type="text/html", status=status)


def _add_unsubscribe(app: web.Application, unsubscriber: Unsubscriber) -> None:
    def request_of(request: web.Request) -> UnsubscribeRequest | None:
        return unsubscriber.links.verify(request.match_info["token"])

    async def confirm(request: web.Request) -> web.Response:
        if request_of(request) is None:
            DISPATCH_UNSUBSCRIBES.labels(method="view", result="invalid").inc()
            return _page("Invalid link", "<p>This unsubscribe link is not valid.</p>", 400)
        action = escape(request.path)
        form = (
            "<h1>Unsubscribe</h1><p>Stop receiving these emails?</p>"
            f'<form method="post" action="{action}">'
            '<button type="submit">Unsubscribe</button></form>'
        )
        return _page("Unsubscribe", form)

    async def unsubscribe(request: web.Request) -> web.Response:
        found = request_of(request)
        body = await request.text()
        method = "one_click" if "List-Unsubscribe=One-Click" in body else "form"
        if found is None:
            DISPATCH_UNSUBSCRIBES.labels(method=method, result="invalid").inc()
            return _page("Invalid link", "<p>This unsubscribe link is not valid.</p>", 400)
        try:
            await unsubscriber.unsubscribe(found, method)
        except Exception as exc:
            log.error("unsubscribe_failed", error=str(exc), command_id=found.command_id)
            DISPATCH_UNSUBSCRIBES.labels(method=method, result="error").inc()
            return _page("Try again", "<p>Something went wrong; please try again.</p>", 503)
        DISPATCH_UNSUBSCRIBES.labels(method=method, result="ok").inc()
        log.info("unsubscribed", command_id=found.command_id, channel=found.channel)
        return _page("Unsubscribed", "<h1>You are unsubscribed</h1>")

    app.router.add_get("/v1/unsubscribe/{token}", confirm)
    app.router.add_post("/v1/unsubscribe/{token}", unsubscribe)
