"""The development provider sink: Twilio-style SMS, FCM-style push and webhooks over HTTP.

It answers the request shapes the senders use, honours `Idempotency-Key` (a repeated key gets
the first answer and records nothing new), and can be told to answer a status (429 with
Retry-After, 500, ...) or to hang, a number of times, for fault tests.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import BasicAuth, web

__all__ = ["HttpFault", "ProviderStore", "add_provider_routes"]

Target = Literal["sms", "push", "webhook"]
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(slots=True)
class HttpFault:
    """Answer `status` (with `retry_after`) after hanging `hang_s`, `times` times (None:
    always). Status 200 is a slow provider: after `hang_s`, the request is handled as usual."""

    target: Target
    status: int = 500
    retry_after: str | None = None
    hang_s: float = 0.0
    times: int | None = 1
    body: dict[str, Any] | None = None


@dataclass
class ProviderStore:
    """Messages and request counts per target, idempotency keys seen, faults queued."""

    sms_account_sid: str = "ACwaymark"
    sms_auth_token: str = "dev-token"
    push_access_token: str = "dev-token"
    messages: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"sms": [], "push": [], "webhook": []}
    )
    requests: dict[str, int] = field(default_factory=lambda: {"sms": 0, "push": 0, "webhook": 0})
    request_times: dict[str, list[float]] = field(
        default_factory=lambda: {"sms": [], "push": [], "webhook": []}
    )
    answers: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    faults: list[HttpFault] = field(default_factory=list)
    dead_tokens: set[str] = field(default_factory=set)

    def take_fault(self, target: str) -> HttpFault | None:
        """The next fault for `target`, consuming one of its times."""
        for fault in self.faults:
            if fault.target == target and (fault.times is None or fault.times > 0):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def reset(self) -> None:
        """Forget messages, counts, keys and faults."""
        for kept in self.messages.values():
            kept.clear()
        for target in self.requests:
            self.requests[target] = 0
            self.request_times[target].clear()
        self.answers.clear()
        self.faults.clear()
        self.dead_tokens.clear()


Answer = tuple[int, dict[str, Any]]


async def _guarded(
    store: ProviderStore, target: Target, request: web.Request, handle: Callable[[], Answer]
) -> web.Response:
    """Count, apply a fault, replay an answer for a known key, else handle and remember."""
    store.requests[target] += 1
    store.request_times[target].append(time.time())
    fault = store.take_fault(target)
    if fault is not None:
        if fault.hang_s:
            await asyncio.sleep(fault.hang_s)
        if fault.status == 200:
            fault = None
    if fault is not None:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        body = fault.body or {"error": {"code": fault.status, "message": "injected fault"}}
        return web.json_response(body, status=fault.status, headers=headers)
    key = request.headers.get("Idempotency-Key")
    if key is not None and (target, key) in store.answers:
        status, body = store.answers[(target, key)]
        return web.json_response(body, status=status, headers={"Idempotent-Replayed": "true"})
    status, body = handle()
    if key is not None and status < 500 and status != 429:
        store.answers[(target, key)] = (status, body)
    return web.json_response(body, status=status)


def add_provider_routes(app: web.Application, store: ProviderStore) -> None:
    """Add the SMS, push and webhook endpoints, their listings and fault control to `app`."""

    async def sms(request: web.Request) -> web.Response:
        form = await request.post()
        auth = request.headers.get("Authorization", "")
        try:
            credentials = BasicAuth.decode(auth)
        except ValueError:
            credentials = None
        sid = request.match_info["sid"]

        def handle() -> Answer:
            expected = (store.sms_account_sid, store.sms_auth_token)
            if credentials is None or (credentials.login, credentials.password) != expected:
                return 401, {"code": 20003, "message": "Authenticate", "status": 401}
            to = str(form.get("To", ""))
            if not _E164.match(to):
                message = f"The 'To' number {to} is not a valid phone number."
                return 400, {"code": 21211, "message": message, "status": 400}
            message_sid = "SM" + uuid.uuid4().hex
            record = {
                "sid": message_sid,
                "account_sid": sid,
                "to": to,
                "from": str(form.get("From", "")),
                "body": str(form.get("Body", "")),
                "idempotency_key": request.headers.get("Idempotency-Key"),
                "received_at": time.time(),
            }
            store.messages["sms"].append(record)
            return 201, {**record, "status": "queued"}

        return await _guarded(store, "sms", request, handle)

    async def push(request: web.Request) -> web.Response:
        payload = await request.json()
        project = request.match_info["project"]

        def handle() -> Answer:
            if request.headers.get("Authorization") != f"Bearer {store.push_access_token}":
                return 401, _fcm_error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR")
            message = payload.get("message") if isinstance(payload, dict) else None
            token = message.get("token") if isinstance(message, dict) else None
            if not isinstance(token, str) or not token:
                return 400, _fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT")
            if token in store.dead_tokens:
                return 404, _fcm_error(404, "NOT_FOUND", "UNREGISTERED")
            name = f"projects/{project}/messages/{uuid.uuid4().int % 10**16}"
            record = {
                "name": name,
                "message": message,
                "idempotency_key": request.headers.get("Idempotency-Key"),
                "received_at": time.time(),
            }
            store.messages["push"].append(record)
            return 200, {"name": name}

        return await _guarded(store, "push", request, handle)

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()

        def handle() -> Answer:
            record = {
                "name": request.match_info["name"],
                "body": body.decode("utf-8", "replace"),
                "headers": dict(request.headers),
                "received_at": time.time(),
            }
            store.messages["webhook"].append(record)
            return 200, {"received": True}

        return await _guarded(store, "webhook", request, handle)

    def listing(target: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(_: web.Request) -> web.Response:
            return web.json_response(
                {
                    "messages": store.messages[target],
                    "requests": store.requests[target],
                    "request_times": store.request_times[target],
                }
            )

        return handler

    async def add_fault(request: web.Request) -> web.Response:
        spec = await request.json()
        fault = HttpFault(**spec)
        store.faults.append(fault)
        return web.json_response({"faults": len(store.faults)}, status=201)

    async def clear(_: web.Request) -> web.Response:
        store.reset()
        return web.json_response({"reset": True})

    async def dead_token(request: web.Request) -> web.Response:
        store.dead_tokens.add(str((await request.json())["token"]))
        return web.json_response({"dead_tokens": len(store.dead_tokens)}, status=201)

    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", sms)
    app.router.add_post("/v1/projects/{project}/messages:send", push)
    app.router.add_post("/webhooks/{name}", webhook)
    for target in ("sms", "push", "webhook"):
        app.router.add_get(f"/{target}/messages", listing(target))
    app.router.add_post("/control/faults", add_fault)
    app.router.add_post("/control/dead-tokens", dead_token)
    app.router.add_delete("/control/providers", clear)


def _fcm_error(code: int, status: str, error_code: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": f"{error_code.lower().replace('_', ' ')}",
            "status": status,
            "details": [
                {
                    "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                    "errorCode": error_code,
                }
            ],
        }
    }
