"""The schema lint accepts the committed schemas and names each broken convention."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from waymark.core.contracts import lint
from waymark.core.contracts.catalog import load_schema_dir, schemas_dir


def test_committed_schemas_follow_the_conventions() -> None:
    assert lint.lint_schemas(load_schema_dir(schemas_dir())) == []


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def _drop_key(key: str, field: str) -> Callable[[dict[str, Any]], None]:
    return lambda s: _field(s, field).pop(key)


BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("no record doc", lambda s: s.pop("doc"), "record 'SendCommand' has no doc"),
    ("no field doc", _drop_key("doc", "template"), "field 'template' has no doc"),
    (
        "no enum doc",
        lambda s: _field(s, "channel")["type"].pop("doc"),
        "enum 'Channel' has no doc",
    ),
    (
        "null not first",
        lambda s: _field(s, "expires_at").update(
            type=[{"type": "long", "logicalType": "timestamp-millis"}, "null"]
        ),
        "an optional field is ['null', T]",
    ),
    (
        "nullable without default",
        _drop_key("default", "event"),
        "field 'event': an optional field needs \"default\": null",
    ),
    (
        "instant as a plain long",
        lambda s: _field(s, "created_at").update(type="long"),
        "field 'created_at': an instant is a long with logicalType timestamp-millis",
    ),
    ("camelCase field", lambda s: _field(s, "template").update(name="templateId"), "snake_case"),
    ("other namespace", lambda s: s.update(namespace="com.example"), "namespace must be"),
    (
        "bad json default",
        lambda s: _field(s, "entry").update(default="{nope"),
        "default '{nope' is not JSON text",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"), [b[1:] for b in BREAKAGES], ids=[b[0] for b in BREAKAGES]
)
def test_lint_names_the_broken_convention(
    schema_copy: Path, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    path = schema_copy / "send_command.avsc"
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema))
    problems = lint.lint_schemas(load_schema_dir(schema_copy))
    assert any(p.startswith("send_command.avsc: ") and expected in p for p in problems), problems
    assert lint.main(["--schemas", str(schema_copy)]) == 1


def test_file_named_after_another_record(schema_copy: Path) -> None:
    (schema_copy / "tick.avsc").rename(schema_copy / "timer.avsc")
    problems = lint.lint_schemas(load_schema_dir(schema_copy))
    assert "timer.avsc: a Tick schema belongs in tick.avsc" in problems


def test_enum_defined_differently_in_two_files(schema_copy: Path) -> None:
    path = schema_copy / "send_command.avsc"
    schema = json.loads(path.read_text())
    _field(schema, "channel")["type"]["symbols"].append("in_app")
    path.write_text(json.dumps(schema))
    problems = lint.lint_schemas(load_schema_dir(schema_copy))
    assert any("dev.waymark.v1.Channel differs from its definition" in p for p in problems)


def test_every_topic_needs_its_schema_file(schema_copy: Path) -> None:
    (schema_copy / "tick.avsc").unlink()
    problems = lint.lint_schemas(load_schema_dir(schema_copy))
    assert "topic waymark.ticks.v1: its value schema dev.waymark.v1.Tick has no file" in problems
