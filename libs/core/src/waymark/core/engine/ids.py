"""Identifiers derived from inputs by hashing: commands, entries, timers, split buckets."""

from __future__ import annotations

from base64 import urlsafe_b64encode
from binascii import b2a_base64
from hashlib import blake2b, md5, sha256

__all__ = [
    "DIGEST_LENGTH",
    "bucket",
    "command_id",
    "entry_id",
    "input_digest",
    "parse_timer_id",
    "timer_id",
]

DIGEST_LENGTH = 11
"""Characters of an input digest: 64 bits of base64."""

# Unit separator: cannot appear in slugs or ids, so distinct tuples never hash alike.
_SEP = "\x1f"


def _short(text: str, size: int) -> str:
    digest = blake2b(text.encode(), digest_size=size).digest()
    return urlsafe_b64encode(digest).decode().rstrip("=")


def command_id(
    customer_id: str, journey_id: str, version: int, entry_id: str, step_id: str, attempt: int
) -> str:
    """The stable id of one send: 128 bits of sha256 over everything that makes it unique."""
    key = _SEP.join((customer_id, journey_id, str(version), entry_id, step_id, str(attempt)))
    return sha256(key.encode()).hexdigest()[:32]


def entry_id(customer_id: str, journey_id: str, input_id: str) -> str:
    """The id of one journey instance, derived from the input that started it."""
    return _short(_SEP.join((customer_id, journey_id, input_id)), 9)


def input_digest(input_id: str) -> str:
    """A short digest of an input id, as kept in the dedupe ring (64 bits, 11 characters)."""
    # Not a security boundary: md5 is the cheapest stable 64 bits on the hot path, and plain
    # base64 is fine in a space-separated ring.
    digest = md5(input_id.encode(), usedforsecurity=False).digest()[:8]
    return b2a_base64(digest, newline=False)[:DIGEST_LENGTH].decode()


def timer_id(journey_id: str, entry: str, generation: int) -> str:
    """The id of an instance's timer: a later generation makes every earlier one stale."""
    return f"{journey_id}/{entry}/{generation}"


def parse_timer_id(value: str) -> tuple[str, str, int] | None:
    """Split a timer id into (journey id, entry id, generation); None when malformed."""
    parts = value.split("/")
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return parts[0], parts[1], int(parts[2])


def bucket(customer_id: str, journey_id: str, step_id: str, salt: str = "") -> float:
    """A uniform number in [0, 100) fixed per (customer, journey, step): randomness derived."""
    key = _SEP.join((customer_id, journey_id, step_id, salt))
    value = int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "big")
    return (value % 1_000_000) / 10_000
