"""The Avro schema files: where they live, how they are read, and what they declare."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import avro.errors
import avro.schema

from waymark.core.errors import WaymarkError

__all__ = [
    "NAMESPACE",
    "SchemaFile",
    "SchemaFileError",
    "compact_json",
    "file_stem",
    "full_name",
    "is_json_type",
    "json_fields",
    "load_schema_dir",
    "load_schema_file",
    "parse_avro",
    "released_dir",
    "schemas_dir",
]

NAMESPACE = "dev.waymark.v1"
"""The namespace of every Waymark record; a breaking change would need a new one (v2)."""

# libs/core/src/waymark/core/contracts/catalog.py -> the workspace root is six levels up.
_WORKSPACE_ROOT = Path(__file__).resolve().parents[6]


class SchemaFileError(WaymarkError):
    """A schema file cannot be read or parsed; the message names the file."""


@dataclass(frozen=True, slots=True)
class SchemaFile:
    """One `.avsc` file: its path and the schema it holds."""

    path: Path
    schema: Mapping[str, Any]

    @property
    def name(self) -> str:
        """The record's full name, e.g. `dev.waymark.v1.CustomerEvent`."""
        return full_name(self.schema)

    @property
    def text(self) -> str:
        """The schema as compact JSON: what is embedded, registered and fingerprinted."""
        return compact_json(self.schema)


def schemas_dir() -> Path:
    """The `schemas/` directory of the workspace (or of the current directory)."""
    candidate = _WORKSPACE_ROOT / "schemas"
    return candidate if candidate.is_dir() else Path.cwd() / "schemas"


def released_dir() -> Path:
    """The `schemas/released/` directory holding the last released version of each schema."""
    return schemas_dir() / "released"


def full_name(schema: Mapping[str, Any]) -> str:
    """The full name of a named schema: `namespace.name`, unless the name already has dots."""
    name = str(schema.get("name", ""))
    namespace = schema.get("namespace")
    return name if "." in name or not namespace else f"{namespace}.{name}"


def file_stem(record_name: str) -> str:
    """The file stem for a record: `CustomerEvent` -> `customer_event`."""
    short = record_name.rsplit(".", 1)[-1]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", short).lower()


def compact_json(schema: Mapping[str, Any]) -> str:
    """A schema as compact, ASCII-only JSON, keeping the file's key order."""
    return json.dumps(schema, separators=(",", ":"))


def parse_avro(text: str) -> avro.schema.Schema:
    """Parse a schema with the reference implementation (used for compatibility checks)."""
    with warnings.catch_warnings():
        # `json` is Waymark's own logical type on strings; readers must ignore it, and do.
        warnings.simplefilter("ignore", avro.errors.IgnoredLogicalType)
        return avro.schema.parse(text)


def is_json_type(avro_type: Any) -> bool:
    """True for `{"type": "string", "logicalType": "json"}`: a JSON document in a string."""
    return (
        isinstance(avro_type, Mapping)
        and avro_type.get("type") == "string"
        and avro_type.get("logicalType") == "json"
    )


def json_fields(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """Names of the record's top-level fields holding JSON text (nullable or not)."""
    names: list[str] = []
    for field in schema.get("fields", ()):
        field_type = field["type"]
        branches: Sequence[Any] = field_type if isinstance(field_type, list) else [field_type]
        if any(is_json_type(branch) for branch in branches):
            names.append(field["name"])
    return tuple(names)


def load_schema_file(path: Path) -> SchemaFile:
    """Read and parse one `.avsc` file, checking it is a valid Avro record schema."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaFileError(f"{path}: cannot read the schema: {exc}") from exc
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise SchemaFileError(f"{path}: the top level must be a record schema")
    try:
        parse_avro(json.dumps(schema))
    except (avro.errors.AvroException, ValueError, TypeError) as exc:
        raise SchemaFileError(f"{path}: not a valid Avro schema: {exc}") from exc
    return SchemaFile(path=path, schema=schema)


def load_schema_dir(directory: Path) -> list[SchemaFile]:
    """Every `*.avsc` directly inside a directory, sorted by file name."""
    if not directory.is_dir():
        raise SchemaFileError(f"{directory}: no such schema directory")
    return [load_schema_file(path) for path in sorted(directory.glob("*.avsc"))]
