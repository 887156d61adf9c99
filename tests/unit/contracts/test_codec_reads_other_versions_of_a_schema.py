"""A codec taught a newer or older writer schema reads its values into the local shape."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from waymark.core.contracts import SCHEMAS, AvroCodec, CodecError, StaticSchemaIds, Tick
from waymark.core.contracts.schema_ids import static_schema_id

from .conftest import AT

TICK = Tick(customer_id="c", journey_id="j", entry_id="e", timer_id="t", due_at=AT, generation=5)


def _tick_schema_with(drop: Sequence[str] = (), add: Sequence[dict[str, Any]] = ()) -> str:
    schema = json.loads(SCHEMAS[Tick.SCHEMA_NAME])
    fields = [f for f in schema["fields"] if f["name"] not in drop]
    return json.dumps(schema | {"fields": [*fields, *add]})


def _codec_for(tick_schema: str) -> AvroCodec:
    schemas = dict(SCHEMAS) | {Tick.SCHEMA_NAME: tick_schema}
    return AvroCodec(StaticSchemaIds(schemas), local_schemas=schemas)


def test_newer_writer_with_an_extra_field_is_read_in_the_local_shape(codec: AvroCodec) -> None:
    newer = _tick_schema_with(
        add=[{"name": "step_id", "type": ["null", "string"], "default": None, "doc": "d"}]
    )
    producer = _codec_for(newer)
    data = producer.encode(Tick, TICK.to_avro() | {"step_id": "wait-1"})
    with pytest.raises(CodecError, match="unknown schema id"):
        codec.decode(data)
    codec.learn(static_schema_id(newer), newer)
    assert codec.knows(static_schema_id(newer))
    assert codec.decode_as(data, Tick) == TICK
    assert "step_id" not in codec.decode(data).record


def test_older_writer_without_a_defaulted_field_gets_the_default() -> None:
    local = _tick_schema_with(
        add=[{"name": "note", "type": ["null", "string"], "default": None, "doc": "d"}]
    )
    consumer = _codec_for(local)
    older = SCHEMAS[Tick.SCHEMA_NAME]
    consumer.learn(static_schema_id(older), older)
    _, record = consumer.decode(AvroCodec.static().encode_model(TICK))
    assert record["note"] is None
    assert record["generation"] == 5


def test_writer_the_local_schema_cannot_read_gives_codec_error(codec: AvroCodec) -> None:
    other = _tick_schema_with(
        drop=["generation"], add=[{"name": "generation", "type": "string", "doc": "d"}]
    )
    data = _codec_for(other).encode(Tick, TICK.to_avro() | {"generation": "five"})
    codec.learn(static_schema_id(other), other)
    with pytest.raises(CodecError, match=r"corrupt or truncated dev\.waymark\.v1\.Tick"):
        codec.decode(data)


def test_unusable_schema_text_is_refused(codec: AvroCodec) -> None:
    with pytest.raises(CodecError, match="schema id 9 is not a usable Avro schema"):
        codec.learn(9, '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}')
    assert not codec.knows(9)
    with pytest.raises(CodecError, match="schema id 10 is not a record schema"):
        codec.learn(10, '"string"')
    assert not codec.knows(10)


def test_static_ids_ignore_docs_but_not_the_shape() -> None:
    schema = json.loads(SCHEMAS[Tick.SCHEMA_NAME])
    redoc = json.dumps(schema | {"doc": "another doc"})
    reshaped = _tick_schema_with(drop=["generation"])
    original = static_schema_id(SCHEMAS[Tick.SCHEMA_NAME])
    assert static_schema_id(redoc) == original
    assert static_schema_id(reshaped) != original
    assert 0 < original < 2**31
    assert StaticSchemaIds().writer_ids[Tick.SCHEMA_NAME] == original
