"""How JSON documents travel inside Avro string fields: compact, strict, and checksummed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["canonical_json", "definition_checksum", "dump_json", "load_json"]

# Built once: json.dumps with keyword arguments builds a new encoder on every call.
_COMPACT = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_DECODER = json.JSONDecoder()
_CANONICAL = json.JSONEncoder(separators=(",", ":"), allow_nan=False, sort_keys=True)


def dump_json(value: Any) -> str:
    """JSON text for a field: compact, ASCII-escaped (so any str survives), no NaN/Infinity."""
    if not value and type(value) is dict:
        return "{}"  # the common case of empty properties or traits, without the encoder
    return _COMPACT.encode(value)


def load_json(text: str) -> Any:
    """The value of a JSON field.

    orjson reads it when it can (about three times as fast); what it refuses (NaN, integers
    beyond 64 bits, lone surrogates) the standard parser reads or rejects, as before.
    """
    if text == "{}":
        return {}
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _DECODER.decode(text)


def canonical_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces; equal documents give equal text."""
    return _CANONICAL.encode(value)


def definition_checksum(definition: Mapping[str, Any]) -> str:
    """The `JourneyVersion.checksum` of a journey document: SHA-256 hex of its canonical JSON."""
    return hashlib.sha256(canonical_json(definition).encode("ascii")).hexdigest()
