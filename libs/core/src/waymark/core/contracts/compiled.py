"""Avro writers and readers compiled to Python for the flat records of the Waymark topics.

fastavro walks the schema for every record; for our records (strings, ints, longs, booleans,
enums, `timestamp-millis`, JSON strings, each possibly in a `["null", X]` union) a function
written for one schema does the same work in a third of the time. The engine worker writes
two or three records per input, so this is where much of its CPU went.

A compiled function covers the common case only and raises `Slow` at the first thing it is
not sure of (a value of an unexpected type, a missing field without a default, a field the
schema lacks, bytes it cannot read): the codec then does the same record through fastavro, so
every error, and every odd value fastavro accepts, behaves exactly as before.
`compile_writer` and `compile_reader` return None for schemas they do not cover (nested
records, arrays, maps, other unions, floating point, bytes, other logical types).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from waymark.core.contracts.catalog import is_json_type
from waymark.core.contracts.json_text import dump_json

__all__ = ["Reader", "Slow", "Writer", "compile_reader", "compile_writer"]

Writer = Callable[[Mapping[str, Any]], bytes]
"""Record (JSON fields as values) -> header + Avro body."""
Reader = Callable[[bytes, int], tuple[dict[str, Any], int]]
"""(value, start of the body) -> (record, JSON fields still text; the end of the body)."""

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MISSING = object()
_SMALL = 8192


class Slow(Exception):  # noqa: N818 - a signal to take the general path, not an error
    """This record needs the general path."""


def _varint(n: int) -> bytes:
    """The Avro (zig-zag) encoding of a long."""
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL_VARINTS = tuple(_varint(n) for n in range(_SMALL))


def _long(n: int) -> bytes:
    return _SMALL_VARINTS[n] if 0 <= n < _SMALL else _varint(n)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The zig-zag long at `pos` and the position after it."""
    shift = 0
    n = 0
    while True:
        byte = data[pos]
        pos += 1
        n |= (byte & 0x7F) << shift
        if byte < 0x80:
            return (n >> 1) ^ -(n & 1), pos
        shift += 7
        if shift > 63:
            raise Slow("varint longer than 10 bytes")


def _millis(value: Any) -> int:
    """fastavro's timestamp-millis of an aware datetime; Slow for anything else but an int."""
    if type(value) is datetime and value.tzinfo is not None:
        delta = value - _EPOCH
        return (delta.days * 86400 + delta.seconds) * 1000 + int(delta.microseconds / 1000)
    if type(value) is int and _LONG_MIN <= value <= _LONG_MAX:
        return value
    raise Slow("timestamp")


def _from_millis(value: int) -> datetime:
    """fastavro's datetime of a timestamp-millis (`epoch + timedelta(microseconds=v * 1000)`),
    with positional arguments, which cost half as much."""
    return _EPOCH + timedelta(0, value // 1000, (value % 1000) * 1000)


# -- the types a compiled function covers ---------------------------------------------------------


def _kind(avro_type: Any) -> str | None:
    """string, json, int, long, boolean, timestamp, enum; None when not covered."""
    if is_json_type(avro_type):
        return "json"
    if isinstance(avro_type, str):
        return avro_type if avro_type in ("string", "int", "long", "boolean") else None
    if isinstance(avro_type, dict):
        logical = avro_type.get("logicalType")
        if avro_type.get("type") == "long" and logical == "timestamp-millis":
            return "timestamp"
        if avro_type.get("type") == "enum":
            return "enum"
        if logical is None and avro_type.get("type") in ("string", "int", "long", "boolean"):
            return str(avro_type["type"])
    return None


def _field_kind(field: Mapping[str, Any]) -> tuple[str, bool, Any] | None:
    """(kind, nullable, the type itself) of a field, None when not covered."""
    avro_type = field["type"]
    nullable = False
    if isinstance(avro_type, list):
        if len(avro_type) != 2 or avro_type[0] != "null":
            return None
        nullable, avro_type = True, avro_type[1]
    kind = _kind(avro_type)
    return None if kind is None else (kind, nullable, avro_type)


_Field = tuple[str, str, bool, Any, Mapping[str, Any]]
"""(name, kind, nullable, the type itself, the field's schema)."""


def _fields(schema: Mapping[str, Any]) -> list[_Field] | None:
    """The fields of a flat record schema; None when a compiled function cannot cover it."""
    if schema.get("type") != "record":
        return None
    out = []
    for field in schema.get("fields", ()):
        described = _field_kind(field)
        if described is None:
            return None
        kind, nullable, avro_type = described
        out.append((field["name"], kind, nullable, avro_type, field))
    return out


def _define(body: list[str], scope: dict[str, Any], name: str) -> Any:
    """The function `name` defined by the source lines `body` (built from a schema alone)."""
    exec("\n".join(body), scope)
    return scope[name]


# -- writers --------------------------------------------------------------------------------------


def _write_value(kind: str, index: int, indent: str) -> list[str]:
    """Lines setting `l{index}` and `p{index}` to the encoding of `v{index}` (not None): the
    length or the value, and the string's bytes or nothing; `l{index}` is prefixed with
    `u{index}` (the union branch, empty when the field is no union)."""
    var, head, part, union = f"v{index}", f"l{index}", f"p{index}", f"u{index}"
    if kind in ("string", "json"):
        lines = [f"{indent}if type({var}) is not str: raise Slow"] if kind == "string" else []
        return [
            *lines,
            f"{indent}{part} = {var}.encode()",
            f"{indent}n = len({part})",
            f"{indent}{head} = {union} + (SMALL[n] if n < {_SMALL} else varint(n))",
        ]
    if kind in ("int", "long"):
        low, high = (_INT_MIN, _INT_MAX) if kind == "int" else (_LONG_MIN, _LONG_MAX)
        return [
            f"{indent}if type({var}) is not int or not {low} <= {var} <= {high}: raise Slow",
            f"{indent}{head} = {union} + "
            f"(SMALL[{var}] if 0 <= {var} < {_SMALL} else varint({var}))",
            f"{indent}{part} = b''",
        ]
    if kind == "boolean":
        return [
            f"{indent}if type({var}) is not bool: raise Slow",
            f"{indent}{head} = {union} + (b'\\x01' if {var} else b'\\x00')",
            f"{indent}{part} = b''",
        ]
    if kind == "timestamp":
        # One decision's records share one instant: its encoding is kept for the next record.
        return [
            f"{indent}last = LAST[0]",
            f"{indent}if {var} is last[0]: {head} = {union} + last[1]",
            f"{indent}else:",
            f"{indent}    encoded = long(millis({var}))",
            f"{indent}    LAST[0] = ({var}, encoded)",
            f"{indent}    {head} = {union} + encoded",
            f"{indent}{part} = b''",
        ]
    # enum: its index, from a table built with the function (KeyError when not a symbol)
    return [f"{indent}{head} = {union} + ENUM{index}[{var}]", f"{indent}{part} = b''"]


def compile_writer(schema: Mapping[str, Any], header: bytes) -> Writer | None:
    """A writer for a flat record schema, None when the schema is not covered.

    JSON fields take their values (dicts, lists…) and write them as JSON text, like the codec's
    general path; a missing field takes the schema's default.
    """
    fields = _fields(schema)
    if fields is None:
        return None
    scope: dict[str, Any] = {
        "Slow": Slow,
        "MISSING": _MISSING,
        "SMALL": _SMALL_VARINTS,
        "varint": _varint,
        "long": _long,
        "millis": _millis,
        "dump_json": dump_json,
        "HEADER": header,
        "LAST": [(_MISSING, b"")],
    }
    body = ["def write(rec):", "    get = rec.get", "    missing = 0"]
    for index, (name, kind, nullable, avro_type, field) in enumerate(fields):
        if kind == "enum":
            symbols = avro_type["symbols"]
            scope[f"ENUM{index}"] = {symbol: _long(i) for i, symbol in enumerate(symbols)}
        var = f"v{index}"
        body.append(f"    {var} = get({name!r}, MISSING)")
        if "default" in field:
            # A JSON field's default is already JSON text.
            scope[f"DEFAULT{index}"] = field["default"]
            body.append(f"    if {var} is MISSING: {var} = DEFAULT{index}; missing += 1")
            if kind == "json":
                body.append(f"    elif {var} is not None: {var} = dump_json({var})")
        else:
            body.append(f"    if {var} is MISSING: raise Slow")
            if kind == "json":
                body.append(f"    if {var} is not None: {var} = dump_json({var})")
        if nullable:
            body.append(f"    if {var} is None: l{index} = b'\\x00'; p{index} = b''")
            body.append("    else:")
            body.append(f"        u{index} = b'\\x02'")
            body.extend(_write_value(kind, index, "        "))
        else:
            body.append(f"    u{index} = b''")
            body.extend(_write_value(kind, index, "    "))
    body.append(f"    if len(rec) + missing != {len(fields)}: raise Slow")
    parts = ", ".join(f"l{index}, p{index}" for index in range(len(fields)))
    body.append(f"    return b''.join((HEADER, {parts}))")
    writer: Writer = _define(body, scope, "write")
    return writer


# -- readers --------------------------------------------------------------------------------------


def _read_value(kind: str, target: str, enum: str, indent: str) -> list[str]:
    """Lines reading one value at `pos` into the variable `target`."""
    varint = [
        f"{indent}b = data[pos]; pos += 1",
        f"{indent}if b < 0x80: v = (b >> 1) ^ -(b & 1)",
        f"{indent}else: v, pos = read_varint(data, pos - 1)",
    ]
    if kind in ("string", "json"):
        return [
            *varint,
            f"{indent}end = pos + v",
            f"{indent}if v < 0 or end > size: raise Slow",
            f"{indent}{target} = data[pos:end].decode(); pos = end",
        ]
    if kind in ("int", "long"):
        return [*varint, f"{indent}{target} = v"]
    if kind == "boolean":
        return [
            f"{indent}b = data[pos]; pos += 1",
            f"{indent}if b > 1: raise Slow",
            f"{indent}{target} = b == 1",
        ]
    if kind == "timestamp":
        return [*varint, f"{indent}{target} = from_millis(v)"]
    return [
        *varint,
        f"{indent}if not 0 <= v < len({enum}): raise Slow",
        f"{indent}{target} = {enum}[v]",
    ]


def compile_reader(schema: Mapping[str, Any]) -> Reader | None:
    """A reader of values written with this (flat record) schema, None when not covered.

    It reads with the writer's schema itself: values of another schema version go through
    fastavro's schema resolution.
    """
    fields = _fields(schema)
    if fields is None:
        return None
    scope: dict[str, Any] = {
        "Slow": Slow,
        "read_varint": _read_varint,
        "from_millis": _from_millis,
    }
    body = ["def read(data, pos):", "    size = len(data)"]
    for index, (_, kind, nullable, avro_type, _) in enumerate(fields):
        enum, target = f"ENUM{index}", f"r{index}"
        if kind == "enum":
            scope[enum] = tuple(avro_type["symbols"])
        if nullable:
            body.append("    b = data[pos]; pos += 1")
            body.append(f"    if b == 0: {target} = None")
            body.append("    elif b == 2:")
            body.extend(_read_value(kind, target, enum, "        "))
            body.append("    else: raise Slow")
        else:
            body.extend(_read_value(kind, target, enum, "    "))
    record = ", ".join(f"{name!r}: r{index}" for index, (name, *_) in enumerate(fields))
    body.append(f"    return {{{record}}}, pos")
    reader: Reader = _define(body, scope, "read")
    return reader
