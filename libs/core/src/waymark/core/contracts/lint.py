"""Conventions every schema file keeps: docs, nullable fields, names, timestamps, topics.

`python -m waymark.core.contracts.lint` checks `schemas/*.avsc` and exits 1 naming each problem.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import fastavro

from waymark.core.contracts.catalog import (
    NAMESPACE,
    SchemaFile,
    SchemaFileError,
    file_stem,
    full_name,
    is_json_type,
    load_schema_dir,
    schemas_dir,
)
from waymark.core.contracts.topics import VALUE_SCHEMAS

__all__ = ["lint_file", "lint_schemas", "main"]

_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PRIMITIVE_DEFAULTS: Mapping[str, tuple[type, ...]] = {
    "null": (type(None),),
    "boolean": (bool,),
    "int": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "string": (str,),
    "bytes": (str,),
}


def _named_types(avro_type: Any) -> Iterator[Mapping[str, Any]]:
    """Every named type (enum, fixed, record) declared inside a type, depth first."""
    if isinstance(avro_type, list):
        for branch in avro_type:
            yield from _named_types(branch)
    elif isinstance(avro_type, Mapping):
        kind = avro_type.get("type")
        if kind in ("enum", "fixed", "record"):
            yield avro_type
        if kind == "record":
            for spec in avro_type.get("fields", ()):
                yield from _named_types(spec.get("type"))
        elif kind == "array":
            yield from _named_types(avro_type.get("items"))
        elif kind == "map":
            yield from _named_types(avro_type.get("values"))


def _default_problem(avro_type: Any, default: Any) -> str | None:
    """Why a default does not fit its type, or None when it does."""
    if isinstance(avro_type, list):
        return None if default is None else "a nullable field must default to null"
    if is_json_type(avro_type):
        try:
            json.loads(default)
        except (TypeError, ValueError):
            return f"default {default!r} is not JSON text"
        return None
    kind = avro_type.get("type") if isinstance(avro_type, Mapping) else avro_type
    if kind == "enum" and isinstance(avro_type, Mapping):
        return None if default in avro_type["symbols"] else f"default {default!r} is no symbol"
    allowed = _PRIMITIVE_DEFAULTS.get(str(kind))
    if allowed is None:
        return None
    if isinstance(default, bool) and bool not in allowed:
        return f"default {default!r} does not fit {kind}"
    return None if isinstance(default, allowed) else f"default {default!r} does not fit {kind}"


def _field_problems(spec: Mapping[str, Any]) -> Iterator[str]:
    name = str(spec.get("name", "?"))
    avro_type = spec.get("type")
    if not _FIELD_NAME.match(name):
        yield f"field {name!r} is not snake_case"
    if not str(spec.get("doc", "")).strip():
        yield f"field {name!r} has no doc"
    if isinstance(avro_type, list):
        if len(avro_type) != 2 or avro_type[0] != "null" or "null" in avro_type[1:]:
            yield f"field {name!r}: an optional field is ['null', T], nothing else"
        if "default" not in spec or spec["default"] is not None:
            yield f'field {name!r}: an optional field needs "default": null'
    if "default" in spec:
        problem = _default_problem(avro_type, spec["default"])
        if problem:
            yield f"field {name!r}: {problem}"
    branches = avro_type if isinstance(avro_type, list) else [avro_type]
    for branch in branches:
        kind = branch.get("type") if isinstance(branch, Mapping) else branch
        logical = branch.get("logicalType") if isinstance(branch, Mapping) else None
        is_instant = name.endswith("_at") or name == "timestamp"
        if is_instant and (kind, logical) not in (("long", "timestamp-millis"), ("null", None)):
            yield f"field {name!r}: an instant is a long with logicalType timestamp-millis"


def lint_file(schema_file: SchemaFile) -> list[str]:
    """The convention problems of one schema file, each prefixed with its file name."""
    schema = schema_file.schema
    problems: list[str] = []
    if schema.get("namespace") != NAMESPACE:
        problems.append(f"namespace must be {NAMESPACE!r}")
    expected_stem = file_stem(str(schema.get("name", "")))
    if schema_file.path.stem != expected_stem:
        problems.append(f"a {schema.get('name')} schema belongs in {expected_stem}.avsc")
    for named in _named_types(schema):
        if not str(named.get("doc", "")).strip():
            problems.append(f"{named.get('type')} {named.get('name')!r} has no doc")
    for spec in schema.get("fields", ()):
        problems.extend(_field_problems(spec))
    try:
        fastavro.parse_schema(dict(schema))
    except Exception as exc:  # fastavro raises several types for a bad schema
        problems.append(f"fastavro cannot parse it: {exc}")
    return [f"{schema_file.path.name}: {problem}" for problem in problems]


def lint_schemas(files: Sequence[SchemaFile]) -> list[str]:
    """Problems of every file, plus those across files: duplicates, enum clashes, topics."""
    problems = [problem for schema_file in files for problem in lint_file(schema_file)]
    by_name: dict[str, SchemaFile] = {}
    declared: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for schema_file in files:
        if schema_file.name in by_name:
            other = by_name[schema_file.name].path.name
            problems.append(f"{schema_file.path.name}: {schema_file.name} is also in {other}")
        by_name[schema_file.name] = schema_file
        for named in _named_types(schema_file.schema):
            if named is schema_file.schema:
                continue
            name = full_name({"namespace": schema_file.schema.get("namespace"), **named})
            first = declared.setdefault(name, (schema_file.path.name, named))
            if first[1] != named:
                problems.append(
                    f"{schema_file.path.name}: {name} differs from its definition in {first[0]}"
                )
    for topic, record in sorted(VALUE_SCHEMAS.items()):
        if record not in by_name:
            problems.append(f"topic {topic}: its value schema {record} has no file")
    used = set(VALUE_SCHEMAS.values())
    for name, schema_file in sorted(by_name.items()):
        if name not in used:
            problems.append(f"{schema_file.path.name}: {name} is the value of no topic")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Lint the schema directory; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m waymark.core.contracts.lint")
    parser.add_argument("--schemas", type=Path, default=None, help="schema directory")
    args = parser.parse_args(argv)
    try:
        files = load_schema_dir(args.schemas or schemas_dir())
    except SchemaFileError as exc:
        print(f"schema lint: {exc}", file=sys.stderr)
        return 1
    problems = lint_schemas(files)
    for problem in problems:
        print(f"schema lint: {problem}", file=sys.stderr)
    if not problems:
        print(f"{len(files)} schemas follow the conventions")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
