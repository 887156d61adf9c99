"""The compiled writers and readers give exactly what fastavro gives, errors included.

Every value goes through a codec with the compiled functions and one without
(`compiled=False`, fastavro alone): the bytes, the decoded records and the CodecError reasons
must be the same.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from waymark.core.contracts import SCHEMAS, AvroCodec, CodecError
from waymark.core.contracts.catalog import json_fields
from waymark.core.contracts.compiled import compile_reader, compile_writer

FAST = AvroCodec.static()
SLOW = AvroCodec(compiled=False)
SCHEMA = {name: json.loads(text) for name, text in SCHEMAS.items()}
JSON = {name: json_fields(schema) for name, schema in SCHEMA.items()}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
aware = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
)


def _value(avro_type: Any) -> st.SearchStrategy[Any]:
    if isinstance(avro_type, list):
        return st.none() | _value(avro_type[1])
    if isinstance(avro_type, dict):
        if avro_type.get("logicalType") == "json":
            return st.dictionaries(st.text(max_size=8), json_values, max_size=4)
        if avro_type.get("logicalType") == "timestamp-millis":
            return aware | st.integers(-(2**45), 2**45)
        if avro_type["type"] == "enum":
            return st.sampled_from(avro_type["symbols"])
        return _value(avro_type["type"])
    return {
        "string": st.text(max_size=40),
        "int": st.integers(-(2**31), 2**31 - 1),
        "long": st.integers(-(2**63), 2**63 - 1),
        "boolean": st.booleans(),
    }[avro_type]


@st.composite
def records(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(SCHEMA)))
    record: dict[str, Any] = {}
    for field in SCHEMA[name]["fields"]:
        if "default" in field and draw(st.booleans()):
            continue  # left out: the default is written
        record[field["name"]] = draw(_value(field["type"]))
    return name, record


def _outcome(codec: AvroCodec, name: str, record: dict[str, Any]) -> bytes | str:
    try:
        return codec.encode(name, record)
    except CodecError as exc:
        return f"error: {exc.reason}"


def _decoded(codec: AvroCodec, data: bytes) -> Any:
    try:
        return codec.decode(data)
    except CodecError as exc:
        # Some of fastavro's messages name an object by its address.
        return f"error: {re.sub(r' at 0x[0-9a-f]+', '', exc.reason)}"


def test_every_schema_of_the_topics_is_compiled() -> None:
    """The records the services write most are the ones covered: none falls back for its shape."""
    for name, schema in SCHEMA.items():
        assert compile_writer(schema, b"\0\0\0\0\1") is not None, name
        assert compile_reader(schema) is not None, name


@settings(max_examples=600, deadline=None)
@given(records())
def test_valid_records_encode_and_decode_as_fastavro_does(item: tuple[str, dict[str, Any]]) -> None:
    name, record = item
    written = SLOW.encode(name, record)
    # The compiled functions themselves take these records: no fallback to fastavro.
    write, read = compile_writer(SCHEMA[name], written[:5]), compile_reader(SCHEMA[name])
    assert write is not None
    assert read is not None
    assert write(record) == written
    compiled, end = read(written, 5)
    assert end == len(written)
    reference = SLOW.decode(written).record
    assert {k: json.loads(v) if k in JSON[name] and v else v for k, v in compiled.items()} == (
        reference
    )
    assert FAST.encode(name, record) == written
    assert _decoded(FAST, written) == _decoded(SLOW, written)


ODD_VALUES = [
    True,  # a bool where an int is expected: fastavro takes it as 1
    2**31,  # out of the int range
    2**64,
    1.5,
    "text",
    None,
    datetime(2026, 1, 1, 12, 0, 0),  # naive: fastavro reads it as local time
    b"bytes",
    ["a"],
    {"a": 1},
    float("nan"),
]


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_odd_values_behave_as_with_fastavro(name: str) -> None:
    """A value of another type, a missing field, an extra field: the same bytes or the same
    error, field by field."""
    base = _complete(name)
    assert _outcome(FAST, name, base) == _outcome(SLOW, name, base)
    for field in SCHEMA[name]["fields"]:
        for odd in ODD_VALUES:
            record = {**base, field["name"]: odd}
            assert _outcome(FAST, name, record) == _outcome(SLOW, name, record), (field, odd)
        missing = {k: v for k, v in base.items() if k != field["name"]}
        assert _outcome(FAST, name, missing) == _outcome(SLOW, name, missing), field
    extra = {**base, "not_in_the_schema": "x"}
    assert _outcome(FAST, name, extra) == _outcome(SLOW, name, extra)


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_damaged_bytes_decode_or_fail_as_with_fastavro(name: str) -> None:
    """Every truncation and single-byte change of a value: the same record or the same reason."""
    data = FAST.encode(name, _complete(name))
    for end in range(len(data) - 1, 4, -1):
        assert _decoded(FAST, data[:end]) == _decoded(SLOW, data[:end]), end
    for at in range(5, len(data)):
        for byte in (0x00, 0x01, 0x02, 0x7F, 0x80, 0xFF):
            damaged = data[:at] + bytes([byte]) + data[at + 1 :]
            assert _decoded(FAST, damaged) == _decoded(SLOW, damaged), (at, byte)
    longer = data + b"\0"
    assert _decoded(FAST, longer) == _decoded(SLOW, longer)


def _complete(name: str) -> dict[str, Any]:
    """A record with every field set, none at its default."""
    values: dict[str, Any] = {}
    for n, field in enumerate(SCHEMA[name]["fields"]):
        avro_type = field["type"]
        if isinstance(avro_type, list):
            avro_type = avro_type[1]
        if isinstance(avro_type, dict) and avro_type.get("logicalType") == "json":
            values[field["name"]] = {"k": [n, "é", None]}
        elif isinstance(avro_type, dict) and avro_type.get("logicalType") == "timestamp-millis":
            values[field["name"]] = datetime(2026, 11, 24, 12, 0, n, 123456, tzinfo=UTC)
        elif isinstance(avro_type, dict) and avro_type["type"] == "enum":
            values[field["name"]] = avro_type["symbols"][-1]
        else:
            kind = avro_type if isinstance(avro_type, str) else avro_type["type"]
            values[field["name"]] = {"string": f"v{n}·ü", "int": -n - 300, "long": 2**40 + n}.get(
                kind, n % 2 == 0
            )
    return values
