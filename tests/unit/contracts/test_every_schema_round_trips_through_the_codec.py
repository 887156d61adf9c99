"""Every wire model and its dict survive encode -> decode unchanged, under every target."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from waymark.core.contracts import (
    MODELS,
    SCHEMAS,
    AvroCodec,
    CustomerEvent,
    StaticSchemaIds,
    WireModel,
    schema_id_of,
)
from waymark.core.contracts.topics import VALUE_SCHEMAS, value_subject

from .conftest import AT, NESTED_JSON, full_records, minimal_records

RECORDS = full_records() + minimal_records()
IDS = [
    f"{type(r).__name__}-{'full' if i < len(MODELS) else 'minimal'}" for i, r in enumerate(RECORDS)
]


def test_the_samples_cover_every_schema() -> None:
    assert {type(r).SCHEMA_NAME for r in full_records()} == set(SCHEMAS)
    assert {type(r).SCHEMA_NAME for r in minimal_records()} == set(SCHEMAS)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_model_round_trip(codec: AvroCodec, record: WireModel) -> None:
    data = codec.encode_model(record)
    assert data[0] == 0
    assert schema_id_of(data) == StaticSchemaIds().writer_ids[type(record).SCHEMA_NAME]
    assert codec.decode_model(data) == record
    assert codec.decode_as(data, type(record)) == record


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_dict_round_trip(codec: AvroCodec, record: WireModel) -> None:
    as_dict = record.to_avro()
    name, decoded = codec.decode(codec.encode(type(record).SCHEMA_NAME, as_dict))
    assert name == type(record).SCHEMA_NAME
    assert decoded == as_dict
    assert type(record).from_avro(decoded) == record


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_topic_subject_name_and_model_encode_the_same_bytes(
    codec: AvroCodec, record: WireModel
) -> None:
    model = type(record)
    expected = codec.encode_model(record)
    targets: list[object] = [model, model.SCHEMA_NAME]
    for topic, name in VALUE_SCHEMAS.items():
        if name == model.SCHEMA_NAME:
            targets += [topic, value_subject(topic)]
    for target in targets:
        assert codec.encode(target, record) == expected, target  # type: ignore[arg-type]


def test_nested_json_comes_back_exactly(codec: AvroCodec) -> None:
    event = CustomerEvent(
        event_id="e",
        customer_id="c",
        type="track",
        name="n",
        properties=NESTED_JSON,
        timestamp=AT,
        received_at=AT,
    )
    decoded = codec.decode_as(codec.encode_model(event), CustomerEvent)
    assert decoded.properties == NESTED_JSON
    assert decoded.properties["big"] == 2**70
    assert isinstance(decoded.properties["big"], int)
    assert decoded.properties["lone_surrogate"] == "\ud800"
    assert json.dumps(decoded.properties, sort_keys=True) == json.dumps(NESTED_JSON, sort_keys=True)


def test_decoded_timestamps_are_aware_utc(codec: AvroCodec) -> None:
    record = full_records()[0]
    decoded = codec.decode_as(codec.encode_model(record), CustomerEvent)
    assert decoded.timestamp.tzinfo is not None
    assert decoded.timestamp.utcoffset() == UTC.utcoffset(None)
    assert decoded.timestamp == AT


def test_missing_optional_keys_take_their_defaults(codec: AvroCodec) -> None:
    data = codec.encode(
        "waymark.events.v1",
        {
            "event_id": "e",
            "customer_id": "c",
            "type": "identify",
            "timestamp": AT,
            "received_at": AT,
        },
    )
    _, record = codec.decode(data)
    assert record["properties"] == {}
    assert record["traits"] == {}
    assert record["name"] is None
    assert record["context"] is None


def test_models_refuse_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timestamp must be a timezone-aware"):
        CustomerEvent(
            event_id="e",
            customer_id="c",
            type="identify",
            timestamp=datetime(2026, 1, 1),
            received_at=AT,
        )


def test_same_schemas_give_the_same_static_ids_in_every_codec() -> None:
    first, second = AvroCodec.static(), AvroCodec(StaticSchemaIds())
    record = minimal_records()[0]
    assert first.encode_model(record) == second.encode_model(record)
