"""The gate rejects schema changes old data cannot survive and accepts optional additions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from waymark.core.contracts import compat
from waymark.core.contracts.catalog import released_dir, schemas_dir


def _edit(path: Path, change: Any) -> None:
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema, indent=2))


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def _run(schemas: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    status = compat.main(["--schemas", str(schemas), *extra])
    captured = capsys.readouterr()
    return status, captured.err + captured.out


def test_the_committed_schemas_pass_the_gate() -> None:
    assert compat.gate(schemas_dir(), released_dir()) == []
    assert sorted(p.name for p in released_dir().glob("*.avsc")) == sorted(
        p.name for p in schemas_dir().glob("*.avsc")
    )


def test_unchanged_copy_passes(schema_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, output = _run(schema_copy, capsys)
    assert status == 0
    assert "BACKWARD compatible" in output


def test_field_added_without_default_is_rejected(
    schema_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(
        schema_copy / "tick.avsc",
        lambda s: s["fields"].append({"name": "step_id", "type": "string", "doc": "d"}),
    )
    status, output = _run(schema_copy, capsys)
    assert status == 1
    assert "tick.avsc: dev.waymark.v1.Tick is not BACKWARD compatible" in output
    assert "field 'step_id' added without a default" in output


def test_type_change_is_rejected(schema_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(
        schema_copy / "send_command.avsc",
        lambda s: _field(s, "attempt").update(type="string"),
    )
    status, output = _run(schema_copy, capsys)
    assert status == 1
    assert "send_command.avsc: dev.waymark.v1.SendCommand is not BACKWARD compatible" in output
    assert "field 'attempt' changed incompatibly" in output
    assert "reader type: string not compatible with writer type: int" in output


def test_enum_symbol_removed_is_rejected(schema_copy: Path) -> None:
    def drop_clicked(schema: dict[str, Any]) -> None:
        _field(schema, "status")["type"]["symbols"].remove("clicked")

    _edit(schema_copy / "dispatch_outcome.avsc", drop_clicked)
    problems = compat.gate(schema_copy, schema_copy / "released")
    assert len(problems) == 1
    assert "field 'status' changed incompatibly" in problems[0]
    assert "clicked" in problems[0]


def test_optional_field_added_with_default_is_accepted(
    schema_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    optional = {"name": "step_id", "type": ["null", "string"], "default": None, "doc": "d"}
    _edit(schema_copy / "tick.avsc", lambda s: s["fields"].append(optional))
    status, _ = _run(schema_copy, capsys)
    assert status == 0


def test_widening_int_to_long_is_accepted(schema_copy: Path) -> None:
    _edit(schema_copy / "journey_version.avsc", lambda s: _field(s, "version").update(type="long"))
    assert compat.gate(schema_copy, schema_copy / "released") == []


def test_removed_field_passes_backward_but_not_full(schema_copy: Path) -> None:
    def drop_attempt(schema: dict[str, Any]) -> None:
        schema["fields"].remove(_field(schema, "attempt"))

    _edit(schema_copy / "send_command.avsc", drop_attempt)
    released = schema_copy / "released"
    assert compat.gate(schema_copy, released, "BACKWARD") == []
    problems = compat.gate(schema_copy, released, "FULL")
    assert problems == [
        "send_command.avsc: dev.waymark.v1.SendCommand is not FULL compatible: "
        "field 'attempt' removed, and the older schema has no default"
    ]


def test_a_released_schema_that_disappeared_is_rejected(schema_copy: Path) -> None:
    (schema_copy / "tick.avsc").unlink()
    assert compat.gate(schema_copy, schema_copy / "released") == [
        "tick.avsc: dev.waymark.v1.Tick was released but is gone"
    ]


def test_release_records_the_current_schemas(schema_copy: Path) -> None:
    optional = {"name": "step_id", "type": ["null", "string"], "default": None, "doc": "d"}
    _edit(schema_copy / "tick.avsc", lambda s: s["fields"].append(optional))
    assert compat.main(["--schemas", str(schema_copy), "--release"]) == 0
    released = json.loads((schema_copy / "released" / "tick.avsc").read_text())
    assert _field(released, "step_id") == optional
    # Now released, dropping the default again is a breaking change.
    _edit(schema_copy / "tick.avsc", lambda s: _field(s, "step_id").update(type="string"))
    problems = compat.gate(schema_copy, schema_copy / "released")
    assert len(problems) == 1
    assert "field 'step_id' changed incompatibly" in problems[0]
