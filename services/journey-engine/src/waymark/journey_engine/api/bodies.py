"""Bounds on the JSON a request may carry: nesting depth, and finite numbers only.

Checked before anything walks a body recursively (validation, canonical JSON, the Avro
codec), so hostile nesting or a NaN is a 422 rather than a crash.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MAX_DEPTH", "bounded_json", "document_problem", "json_problem"]

MAX_DEPTH = 64
"""Deepest nesting a body's JSON may have; far beyond any real journey or event."""


def json_problem(value: Any) -> str | None:
    """Why a JSON value is unusable (nested too deep, NaN or Infinity), or None."""
    # Iterative on purpose: a recursive walk of hostile nesting would exhaust the stack.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, float) and not math.isfinite(item):
            # Canonical JSON (and so the checksum) has no NaN or Infinity.
            return "numbers must be finite (no NaN or Infinity)"
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return None


def document_problem(document: Any) -> str | None:
    """Why a body cannot be a journey document at all (not an object, too deep, NaN), or None."""
    if not isinstance(document, dict):
        return "a journey is a JSON object"
    return json_problem(document)


def bounded_json(value: Any) -> Any:
    """Pydantic after-validator: refuse values `json_problem` objects to."""
    problem = json_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value
