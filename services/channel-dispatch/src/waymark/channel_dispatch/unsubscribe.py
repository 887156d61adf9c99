"""Unsubscribe links of marketing email, and the RFC 8058 one-click headers that point at them.

The link carries a signed token naming the customer, the channel, the suppression key of the
address (a digest, not the address) and the send; dispatch's HTTP server is its target.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from waymark.channel_dispatch.suppression import suppression_key
from waymark.core.contracts import SendCommand

__all__ = ["UnsubscribeLinks", "UnsubscribeRequest"]

_SIGNATURE_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class UnsubscribeRequest:
    """What a valid token says: who unsubscribes from what, through which send."""

    customer_id: str
    channel: str
    suppression_key: str
    command_id: str
    journey_id: str
    step_id: str


class UnsubscribeLinks:
    """Makes and checks unsubscribe tokens with an HMAC secret."""

    def __init__(self, *, public_url: str, secret: str, mailto: str | None = None) -> None:
        """Links under `public_url`; `mailto` adds a mail alternative to List-Unsubscribe."""
        self._base = public_url.rstrip("/")
        self._secret = secret.encode()
        self._mailto = mailto

    def _sign(self, payload: bytes) -> str:
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
        return _b64(mac)

    def url(self, command: SendCommand, address: str) -> str:
        """The unsubscribe URL of one marketing email."""
        payload = json.dumps(
            [
                command.customer_id,
                command.channel,
                suppression_key(command.channel, address),
                command.command_id,
                command.journey_id,
                command.step_id,
            ],
            separators=(",", ":"),
        ).encode()
        return f"{self._base}/v1/unsubscribe/{_b64(payload)}.{self._sign(payload)}"

    def headers(self, url: str) -> list[tuple[str, str]]:
        """`List-Unsubscribe` (the link, and a mailto when configured) and the one-click POST."""
        targets = [f"<{url}>"]
        if self._mailto:
            targets.append(f"<mailto:{self._mailto}?subject=unsubscribe>")
        return [
            ("List-Unsubscribe", ", ".join(targets)),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]

    def verify(self, token: str) -> UnsubscribeRequest | None:
        """The request a token stands for, or None when it is malformed or forged."""
        payload_b64, _, signature = token.partition(".")
        try:
            payload = _unb64(payload_b64)
        except ValueError:
            return None
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            fields = json.loads(payload)
        except ValueError:
            return None
        if not isinstance(fields, list) or len(fields) != 6:
            return None
        if not all(isinstance(value, str) for value in fields):
            return None
        return UnsubscribeRequest(*fields)
