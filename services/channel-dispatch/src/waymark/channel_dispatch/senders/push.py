"""Push through an FCM-style HTTP v1 API: `POST /v1/projects/{project}/messages:send`.

An unregistered token (404 `UNREGISTERED`) is dead: the send fails and the token is
suppressed. Requests carry an `Idempotency-Key`, so a resend after a crash is safe.
"""

from __future__ import annotations

import json
from typing import Any

from waymark.channel_dispatch.senders.base import Push, Receipt, RejectedError
from waymark.channel_dispatch.senders.http import HttpClient

__all__ = ["PushSender"]

_DEAD_TOKEN_CODES = frozenset({"UNREGISTERED"})


def _fcm_error_code(body: Any) -> str | None:
    """The FcmError `errorCode` in an error reply, else its `status`."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    error = body["error"]
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    status = error.get("status")
    return str(status) if status else None


class PushSender:
    """Sends notifications to device tokens."""

    name = "push"
    takes_idempotency_key = True

    def __init__(
        self,
        *,
        base_url: str,
        project_id: str,
        access_token: str,
        timeout_s: float = 10.0,
        pool_size: int = 32,
    ) -> None:
        """Send for `project_id` with a bearer `access_token`."""
        self._url = f"{base_url.rstrip('/')}/v1/projects/{project_id}/messages:send"
        self._token = access_token
        self._http = HttpClient(timeout_s=timeout_s, pool_size=pool_size)

    async def send(self, message: Push, *, key: str) -> Receipt:
        """Send one notification; a dead token is rejected and suppressed."""
        payload = {
            "message": {
                "token": message.token,
                "notification": {"title": message.title, "body": message.body},
                "data": message.data,
            }
        }
        reply = await self._http.post(
            self._url,
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json; charset=UTF-8",
                "Idempotency-Key": key,
            },
            data=json.dumps(payload).encode(),
        )
        if reply.ok:
            name = reply.body.get("name") if isinstance(reply.body, dict) else None
            return Receipt(provider_message_id=str(name) if name else None)
        code = _fcm_error_code(reply.body)
        if code in _DEAD_TOKEN_CODES or (reply.status == 404 and code == "NOT_FOUND"):
            raise RejectedError("invalid_token", code or "", suppress="invalid_token")
        if reply.status == 400:
            raise RejectedError("invalid_argument", code or "")
        reply.fail()

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._http.close()
