"""HMAC-SHA256 webhook signatures over the timestamp and the raw body, in a time window.

A provider sends `X-Waymark-Timestamp: <unix seconds>` and
`X-Waymark-Signature: v1=<hex>` where the hex is HMAC-SHA256(secret, "<timestamp>." + body).
Several `v1=` values separated by commas are allowed while the sender rotates its secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from waymark.trigger_ingest.records import Clock
from waymark.trigger_ingest.refusals import Fault, NotFoundError, UnauthorizedError

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "SignatureCheck",
    "Verified",
    "sign",
]

SIGNATURE_HEADER = "X-Waymark-Signature"
TIMESTAMP_HEADER = "X-Waymark-Timestamp"
_SCHEME = "v1="


def _digest(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Waymark-Signature` value a provider sends for `body` at `timestamp`."""
    return _SCHEME + _digest(secret.encode(), str(timestamp), body)


@dataclass(frozen=True, slots=True)
class Verified:
    """A request whose signature holds: the key that refuses its replay, and until when."""

    replay_key: str
    expires_at: datetime


class SignatureCheck:
    """Verifies provider signatures with the secrets from settings, in constant time."""

    def __init__(
        self, secrets: Mapping[str, Sequence[str]], *, window: timedelta, clock: Clock
    ) -> None:
        """`secrets`: provider -> its secrets (two while one is being rotated)."""
        self._secrets = {p: [s.encode() for s in values] for p, values in secrets.items()}
        self._window = window
        self._clock = clock

    def knows(self, provider: str) -> bool:
        """Whether webhooks of `provider` are configured."""
        return provider in self._secrets

    def verify(
        self, provider: str, timestamp: str | None, signature: str | None, body: bytes
    ) -> Verified:
        """Check the timestamp window and the signature; UnauthorizedError says which failed."""
        secrets = self._secrets.get(provider)
        if secrets is None:
            raise NotFoundError(
                Fault("provider", f"no webhook secret is configured for {provider!r}")
            )
        if not timestamp:
            raise UnauthorizedError(Fault(TIMESTAMP_HEADER, "is required", "bad_signature"))
        if not signature:
            raise UnauthorizedError(Fault(SIGNATURE_HEADER, "is required", "bad_signature"))
        # Ten digits reach the year 2286; more would overflow the date range.
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 10:
            reason = "must be the signing time in whole seconds since the epoch"
            raise UnauthorizedError(Fault(TIMESTAMP_HEADER, reason, "bad_signature"))
        signed_at = datetime.fromtimestamp(int(timestamp), UTC)
        if abs(self._clock() - signed_at) > self._window:
            minutes = self._window.total_seconds() / 60
            reason = f"is outside the {minutes:g}-minute window around the current time"
            raise UnauthorizedError(Fault(TIMESTAMP_HEADER, reason, "stale_signature"))
        presented = [
            part.strip()[len(_SCHEME) :].encode("latin-1", "replace")
            for part in signature.split(",")
            if part.strip().startswith(_SCHEME)
        ]
        for secret in secrets:
            expected = _digest(secret, timestamp, body)
            for candidate in presented:
                # compare_digest keeps the time from telling how much of a signature was right.
                if hmac.compare_digest(expected.encode(), candidate):
                    return Verified(f"{provider}:{expected}", signed_at + self._window)
        reason = "does not match the body and timestamp (v1=HMAC-SHA256 hex expected)"
        raise UnauthorizedError(Fault(SIGNATURE_HEADER, reason, "bad_signature"))
