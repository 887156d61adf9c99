"""Write keys per source, presented as HTTP Basic credentials with the key as the user name.

This is how Segment libraries authenticate: `Authorization: Basic base64("<key>:")`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from waymark.trigger_ingest.refusals import Fault, UnauthorizedError

__all__ = ["CHALLENGE", "WriteKeys"]

CHALLENGE = {"WWW-Authenticate": 'Basic realm="waymark-ingest"'}


def _refuse(reason: str) -> UnauthorizedError:
    return UnauthorizedError(Fault("authorization", reason, "unauthorized"), headers=CHALLENGE)


class WriteKeys:
    """Finds the source a write key belongs to."""

    def __init__(self, keys: Mapping[str, str]) -> None:
        """`keys`: source name -> its write key, from settings."""
        self._keys = [
            (hashlib.sha256(key.encode()).digest(), source) for source, key in keys.items()
        ]

    def source(self, authorization: str | None) -> str:
        """The source of the key in an `Authorization` header, or UnauthorizedError saying why."""
        if not authorization:
            raise _refuse("a write key is required as HTTP Basic user name")
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic" or not encoded.strip():
            raise _refuse("must be 'Basic <base64 of key:>'")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise _refuse("the Basic credentials are not valid base64") from None
        presented = decoded.partition(b":")[0]
        # Digests have one length, so comparing them never tells how long a key is.
        wanted = hashlib.sha256(presented).digest()
        found: str | None = None
        for key, source in self._keys:
            if hmac.compare_digest(key, wanted):
                found = source
        if found is None:
            raise _refuse("the write key is not known")
        return found
