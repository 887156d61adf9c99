"""Hypothesis strategies derived from ingest's OpenAPI document (the JSON Schema subset it uses).

A stand-in for schemathesis, which is not installed here: request bodies are generated from the
schemas the app publishes, so the fuzz follows the API as documented.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

# Text that stresses encoders: astral-plane emoji, combining marks, RTL, NUL, quotes.
TRICKY = st.sampled_from(["", "\x00", "é", "\u0301", "\u202e", "😀" * 3, '"\\', "\ufeff", "𝕏"])
TEXT = st.one_of(st.text(max_size=40), TRICKY, st.text(alphabet="😀é中\u200b", max_size=200))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
DATE_TIMES = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["2026-01-05T10:00:00Z", "2026-01-05", "not a date", "9999-12-31T23:59:59"]),
)


def from_schema(schema: Mapping[str, Any], components: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid (mostly) for `schema`, resolving `#/components/schemas/...` references."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return st.deferred(lambda: from_schema(components[name], components))
    if "anyOf" in schema:
        return st.one_of([from_schema(s, components) for s in schema["anyOf"]])
    if "oneOf" in schema:
        return st.one_of([from_schema(s, components) for s in schema["oneOf"]])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        required = set(schema.get("required", ()))
        properties = {
            name: from_schema(sub, components) for name, sub in schema["properties"].items()
        }
        fixed = {name: s for name, s in properties.items() if name in required}
        optional = {name: s for name, s in properties.items() if name not in required}
        return st.fixed_dictionaries(fixed, optional=optional)
    if kind == "object":
        return st.dictionaries(TEXT, JSON, max_size=4)
    if kind == "array":
        items = from_schema(schema.get("items", {}), components)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=5)
    if kind == "string":
        if schema.get("format") == "date-time":
            return DATE_TIMES
        return st.text(
            min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 60), 60)
        )
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "number":
        return st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return JSON


def post_operations(document: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(path template, request body schema) of every POST operation with a JSON body."""
    found = []
    for path, item in document["paths"].items():
        operation = item.get("post")
        if operation and "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            found.append((path, schema))
    return found
