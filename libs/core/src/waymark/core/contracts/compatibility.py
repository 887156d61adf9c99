"""Avro schema compatibility as schema registries judge it, with reasons a person can act on.

Built on `avro.compatibility.ReaderWriterCompatibilityChecker`, the reference checker.
BACKWARD: the new schema reads data written with the previous one (new = reader).
FORWARD: the previous schema reads data written with the new one (new = writer).
FULL: both. The `_TRANSITIVE` levels check every earlier version, not only the latest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import avro.schema
from avro.compatibility import (
    ReaderWriterCompatibilityChecker,
    SchemaCompatibilityResult,
    SchemaCompatibilityType,
)

from waymark.core.contracts.catalog import parse_avro

__all__ = ["DEFAULT_LEVEL", "LEVELS", "compatibility_problems", "read_problems"]

LEVELS: Final = (
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
)
DEFAULT_LEVEL: Final = "BACKWARD"


def _describe(result: SchemaCompatibilityResult) -> str:
    kinds = sorted({kind.value.replace("_", " ") for kind in result.incompatibilities})
    messages = sorted(str(message) for message in result.messages)
    locations = sorted(str(location) for location in result.locations)
    return f"{', '.join(kinds)}: {'; '.join(messages)} (at {', '.join(locations)})"


def _checker() -> ReaderWriterCompatibilityChecker:
    """A fresh checker: it memoizes by object identity, so one per comparison."""
    return ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]


def _writer_field(writer: Any, reader_field: Any) -> Any:
    names = [reader_field.name, *(reader_field.props.get("aliases") or ())]
    return next((writer.fields_dict[n] for n in names if n in writer.fields_dict), None)


def read_problems(reader: Any, writer: Any, *, reader_is_new: bool) -> list[str]:
    """Why data written with `writer` cannot be read with `reader`; empty when it can."""
    result = _checker().get_compatibility(reader, writer)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    if not (isinstance(reader, avro.schema.RecordSchema) and reader.type == writer.type):
        return [_describe(result)]
    problems: list[str] = []
    if reader.fullname != writer.fullname:
        problems.append(f"record renamed from {writer.fullname} to {reader.fullname}")
    for field in reader.fields:
        counterpart = _writer_field(writer, field)
        if counterpart is None:
            if not field.has_default:
                problems.append(
                    f"field '{field.name}' added without a default"
                    if reader_is_new
                    else f"field '{field.name}' removed, and the older schema has no default"
                )
            continue
        sub = _checker().get_compatibility(field.type, counterpart.type)
        if sub.compatibility is SchemaCompatibilityType.incompatible:
            problems.append(f"field '{field.name}' changed incompatibly: {_describe(sub)}")
    return problems or [_describe(result)]


def compatibility_problems(
    new: str | avro.schema.Schema,
    previous: Sequence[str | avro.schema.Schema],
    level: str = DEFAULT_LEVEL,
) -> list[str]:
    """Why `new` breaks `level` against `previous` (oldest first); empty when compatible."""
    if level not in LEVELS:
        raise ValueError(f"unknown compatibility level {level!r}; one of {', '.join(LEVELS)}")
    if level == "NONE" or not previous:
        return []
    parsed_new = parse_avro(new) if isinstance(new, str) else new
    against = previous if level.endswith("_TRANSITIVE") else previous[-1:]
    problems: list[str] = []
    for old in against:
        parsed_old = parse_avro(old) if isinstance(old, str) else old
        if level.startswith(("BACKWARD", "FULL")):
            problems += read_problems(parsed_new, parsed_old, reader_is_new=True)
        if level.startswith(("FORWARD", "FULL")):
            problems += read_problems(parsed_old, parsed_new, reader_is_new=False)
    return list(dict.fromkeys(problems))
