"""Generate the wire models of `_generated.py` from `schemas/*.avsc`; `--check` finds drift.

Run `python -m waymark.core.contracts.codegen` to write the module and
`python -m waymark.core.contracts.codegen --check` (in `make lint`) to fail when the committed
module differs from what the schemas produce.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from waymark.core.contracts.catalog import (
    SchemaFile,
    SchemaFileError,
    is_json_type,
    load_schema_dir,
    schemas_dir,
)
from waymark.core.contracts.lint import lint_schemas

__all__ = ["default_output", "drift", "main", "render_module"]

_LINE = 100
_HEADER_MARK = "# --- "
_ENUMS_SECTION = "enums"
_INDEX_SECTION = "index"
_PRIMITIVES = {
    "boolean": "bool",
    "int": "int",
    "long": "int",
    "float": "float",
    "double": "float",
    "string": "str",
    "bytes": "bytes",
}
_TIMESTAMPS = {"timestamp-millis", "timestamp-micros"}


class GeneratorError(SchemaFileError):
    """A schema uses a construct the generator does not support; the message says which."""


@dataclass(frozen=True, slots=True)
class _Enum:
    name: str
    doc: str
    symbols: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    doc: str
    annotation: str
    default: str | None
    read: str
    timestamp: bool


def default_output() -> Path:
    """Where the generated module lives: next to this file."""
    return Path(__file__).with_name("_generated.py")


def _str(value: str) -> str:
    """A Python string literal quoted the way the formatter quotes it."""
    body = value.replace("\\", "\\\\")
    if value.count('"') > value.count("'"):
        return "'" + body.replace("'", "\\'") + "'"
    return '"' + body.replace('"', '\\"') + '"'


def _doc(text: str, indent: str) -> list[str]:
    """A docstring, wrapped to the line length."""
    clean = " ".join(text.replace('"', "'").replace("\\", "/").split())
    lines = textwrap.wrap(clean, width=_LINE - len(indent) - 6) or [""]
    lines[0] = '"""' + lines[0]
    lines[-1] = lines[-1] + '"""'
    return [indent + lines[0]] + [indent + line for line in lines[1:]]


def _bracketed(head: str, items: Sequence[str], tail: str, indent: str = "") -> list[str]:
    """`head item, item tail` on one line when it fits, else one item per line."""
    flat = f"{indent}{head}{', '.join(items)}{tail}"
    if len(flat) <= _LINE:
        return [flat]
    return [f"{indent}{head}", *(f"{indent}    {item}," for item in items), f"{indent}{tail}"]


def _union_alias(head: str, names: Sequence[str]) -> list[str]:
    """`head A | B` on one line, in parentheses on one line, or one name per line."""
    union = " | ".join(names)
    if len(head) + len(union) <= _LINE:
        return [head + union]
    if len(union) + 4 <= _LINE:
        return [head + "(", f"    {union}", ")"]
    return [head + "(", f"    {names[0]}", *(f"    | {n}" for n in names[1:]), ")"]


def _chunks(text: str, width: int) -> list[str]:
    """Split text into pieces of at most `width`, at a JSON comma or a space when possible."""
    chunks: list[str] = []
    while len(text) > width:
        window = text[:width]
        cut = max(window.rfind(',"'), window.rfind(",{"), window.rfind("},"))
        cut = cut + 1 if cut > width // 3 else window.rfind(" ") + 1
        cut = cut if cut > width // 3 else width
        chunks.append(text[:cut])
        text = text[cut:]
    return [*chunks, text]


def _constant_name(name: str) -> str:
    return "".join("_" + c if c.isupper() and i else c for i, c in enumerate(name)).upper()


class _Renderer:
    def __init__(self) -> None:
        self.enums: dict[str, _Enum] = {}

    def annotation(self, avro_type: Any, where: str) -> tuple[str, bool]:
        """The Python annotation of an Avro type, and whether it is a timestamp."""
        if isinstance(avro_type, list):
            branches = [b for b in avro_type if b != "null"]
            if len(branches) != 1 or len(avro_type) != 2:
                raise GeneratorError(f"{where}: only ['null', T] unions are supported")
            inner, is_ts = self.annotation(branches[0], where)
            return f"{inner} | None", is_ts
        if isinstance(avro_type, str):
            if avro_type in _PRIMITIVES:
                return _PRIMITIVES[avro_type], False
            short = avro_type.rsplit(".", 1)[-1]
            if short in self.enums:
                return short, False
            raise GeneratorError(f"{where}: unsupported type reference {avro_type!r}")
        if not isinstance(avro_type, Mapping):
            raise GeneratorError(f"{where}: unsupported type {avro_type!r}")
        kind = avro_type.get("type")
        logical = avro_type.get("logicalType")
        if kind == "long" and logical in _TIMESTAMPS:
            return "_dt.datetime", True
        if is_json_type(avro_type):
            return "dict[str, Any]", False
        if kind == "enum":
            return self.enum(avro_type, where), False
        if kind == "array":
            return f"list[{self.annotation(avro_type['items'], where)[0]}]", False
        if kind == "map":
            return f"dict[str, {self.annotation(avro_type['values'], where)[0]}]", False
        if isinstance(kind, str) and kind in _PRIMITIVES:
            return _PRIMITIVES[kind], False
        raise GeneratorError(f"{where}: type {kind!r} is not supported by the generator")

    def enum(self, avro_type: Mapping[str, Any], where: str) -> str:
        """Register an enum (the same name must mean the same symbols everywhere)."""
        name = str(avro_type["name"]).rsplit(".", 1)[-1]
        found = _Enum(name, str(avro_type.get("doc", "")), tuple(avro_type["symbols"]))
        known = self.enums.setdefault(name, found)
        if known.symbols != found.symbols:
            raise GeneratorError(f"{where}: enum {name} differs from its other definitions")
        return name

    def field(self, spec: Mapping[str, Any], record: str) -> _Field:
        """One dataclass field from one Avro field."""
        name = str(spec["name"])
        where = f"{record}.{name}"
        annotation, is_ts = self.annotation(spec["type"], where)
        default: str | None = None
        read = f"record[{_str(name)}]"
        if "default" in spec:
            value = spec["default"]
            branches = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
            if any(is_json_type(b) for b in branches) and isinstance(value, str):
                value = json.loads(value)
            if isinstance(value, dict | list):
                if value:
                    raise GeneratorError(f"{where}: only empty object/array defaults are supported")
                factory = type(value).__name__
                default, read = (
                    f"field(default_factory={factory})",
                    f"record.get({_str(name)}, {value!r})",
                )
            else:
                literal = _str(value) if isinstance(value, str) else repr(value)
                default = literal
                read = (
                    f"record.get({_str(name)})"
                    if value is None
                    else f"record.get({_str(name)}, {literal})"
                )
        return _Field(name, str(spec.get("doc", "")), annotation, default, read, is_ts)


def _record_section(renderer: _Renderer, schema_file: SchemaFile) -> list[str]:
    schema = schema_file.schema
    class_name = str(schema["name"])
    fields = [renderer.field(spec, class_name) for spec in schema["fields"]]
    text_name = f"_{_constant_name(class_name)}_SCHEMA"
    lines = [
        f"{_HEADER_MARK}{schema_file.name} ({schema_file.path.name})",
        "",
        f"{text_name}: Final = (",
        *(f"    {_str(chunk)}" for chunk in _chunks(schema_file.text, 84)),
        ")",
        "",
        "",
        "@dataclass(frozen=True, slots=True, kw_only=True)",
        f"class {class_name}:",
        *_doc(str(schema.get("doc", "")), "    "),
        "",
        f"    SCHEMA_NAME: ClassVar[str] = {_str(schema_file.name)}",
        f"    SCHEMA: ClassVar[str] = {text_name}",
        "",
    ]
    for f in fields:
        default = f" = {f.default}" if f.default is not None else ""
        lines += [f"    {f.name}: {f.annotation}{default}", *_doc(f.doc, "    ")]
    stamps = [f for f in fields if f.timestamp]
    if stamps:
        lines += ["", "    def __post_init__(self) -> None:"]
        lines += [f"        _require_aware(self.{f.name}, {_str(f.name)})" for f in stamps]
    lines += [
        "",
        "    def to_avro(self) -> dict[str, Any]:",
        '        """This record as the dict the codec writes."""',
        "        return {",
        *(f"            {_str(f.name)}: self.{f.name}," for f in fields),
        "        }",
        "",
        "    @classmethod",
        f"    def from_avro(cls, record: Mapping[str, Any]) -> {class_name}:",
        '        """The model of a dict the codec read (or built by hand), without validation."""',
        "        return cls(",
        *(f"            {f.name}={f.read}," for f in fields),
        "        )",
        "",
        "",
    ]
    return lines


_PREAMBLE = '''\
# Generated by `python -m waymark.core.contracts.codegen` from schemas/*.avsc: do not edit.
"""Wire models of the Avro schemas in `schemas/`: one frozen dataclass per record."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Literal, TypeAlias


def _require_aware(value: _dt.datetime | None, name: str) -> None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


'''


def render_module(files: Sequence[SchemaFile]) -> str:
    """The source of `_generated.py` for these schema files."""
    renderer = _Renderer()
    records: list[str] = []
    for schema_file in sorted(files, key=lambda f: f.name):
        records += _record_section(renderer, schema_file)
    enums = [f"{_HEADER_MARK}{_ENUMS_SECTION}", ""]
    for enum in sorted(renderer.enums.values(), key=lambda e: e.name):
        symbols = [_str(s) for s in enum.symbols]
        enums += _bracketed(f"{enum.name} = Literal[", symbols, "]")
        enums += _doc(enum.doc, "")
        const = f"{_constant_name(enum.name)}_SYMBOLS: Final[tuple[{enum.name}, ...]] = ("
        if len(symbols) == 1:
            enums.append(f"{const}{symbols[0]},)")
        else:
            enums += _bracketed(const, symbols, ")")
        enums.append("")
    names = sorted(f.schema["name"] for f in files)
    index = [f"{_HEADER_MARK}{_INDEX_SECTION}", ""]
    index += _union_alias("WireModel: TypeAlias = ", names)
    index += ['"""Any generated wire model."""', ""]
    index += ["MODELS: Final[Mapping[str, type[WireModel]]] = {"]
    index += [f"    {n}.SCHEMA_NAME: {n}," for n in names]
    index += ["}", '"""Record full name -> its model."""', ""]
    index += ["SCHEMAS: Final[Mapping[str, str]] = {n: m.SCHEMA for n, m in MODELS.items()}"]
    index += ['"""Record full name -> its schema as compact JSON."""']
    return _PREAMBLE + "\n".join([*enums, "", *records, *index]) + "\n"


def _sections(source: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {"header": []}
    current = "header"
    for line in source.splitlines():
        if line.startswith(_HEADER_MARK):
            current = line[len(_HEADER_MARK) :].split(" (", 1)[0]
            sections[current] = []
        sections[current].append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}


def drift(expected: str, committed: str) -> list[str]:
    """What differs between the module the schemas produce and the committed one, by schema."""
    if expected == committed:
        return []
    want, have = _sections(expected), _sections(committed)
    problems: list[str] = []
    for name in sorted(want.keys() | have.keys()):
        if name not in have:
            problems.append(f"{name}: in schemas/ but missing from the generated module")
        elif name not in want:
            problems.append(f"{name}: in the generated module but no longer in schemas/")
        elif want[name] != have[name]:
            what = "the schema" if "." in name else f"the {name} part"
            problems.append(f"{name}: {what} changed since the module was generated")
    return problems or ["the generated module differs from what the schemas produce"]


def main(argv: Sequence[str] | None = None) -> int:
    """Write `_generated.py`, or with `--check` report drift; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m waymark.core.contracts.codegen")
    parser.add_argument("--check", action="store_true", help="fail if the module is stale")
    parser.add_argument("--schemas", type=Path, default=None, help="schema directory")
    parser.add_argument("--output", type=Path, default=None, help="generated module path")
    args = parser.parse_args(argv)
    directory: Path = args.schemas or schemas_dir()
    output: Path = args.output or default_output()
    try:
        files = load_schema_dir(directory)
        problems = lint_schemas(files)
        if problems:
            for problem in problems:
                print(f"schema lint: {problem}", file=sys.stderr)
            return 1
        expected = render_module(files)
    except SchemaFileError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return 1
    if not args.check:
        output.write_text(expected, encoding="utf-8")
        print(f"wrote {output} from {len(files)} schemas")
        return 0
    committed = output.read_text(encoding="utf-8") if output.exists() else ""
    problems = drift(expected, committed)
    for problem in problems:
        print(f"{output.name} is stale: {problem}", file=sys.stderr)
    if problems:
        print("run: python -m waymark.core.contracts.codegen", file=sys.stderr)
        return 1
    print(f"{output.name} is up to date with {len(files)} schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
