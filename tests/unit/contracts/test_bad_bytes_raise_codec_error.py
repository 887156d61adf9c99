"""Every kind of bad value raises the one CodecError, with a reason fit for a DLQ record."""

from __future__ import annotations

import io
import json
import math
import struct

import pytest
from fastavro import parse_schema, schemaless_writer

from waymark.core.contracts import SCHEMAS, AvroCodec, CodecError, CustomerEvent, Tick
from waymark.core.contracts.topics import EVENTS, TICKS
from waymark.core.errors import PermanentError

from .conftest import AT, full_records

_FIRST = full_records()[0]
assert isinstance(_FIRST, CustomerEvent)
EVENT: CustomerEvent = _FIRST


@pytest.fixture
def good(codec: AvroCodec) -> bytes:
    return codec.encode_model(EVENT)


def reason_of(codec: AvroCodec, data: bytes | None) -> str:
    with pytest.raises(CodecError) as caught:
        codec.decode(data)
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


def test_codec_error_goes_to_the_dlq_as_a_permanent_error() -> None:
    assert issubclass(CodecError, PermanentError)


def test_empty_value(codec: AvroCodec) -> None:
    assert "too short" in reason_of(codec, b"")


def test_tombstone(codec: AvroCodec) -> None:
    assert "tombstone" in reason_of(codec, None)


@pytest.mark.parametrize("size", [1, 4])
def test_header_too_short(codec: AvroCodec, good: bytes, size: int) -> None:
    assert f"{size} bytes is too short" in reason_of(codec, good[:size])


@pytest.mark.parametrize("magic", [1, 0x7B, 0xFF])
def test_wrong_magic_byte(codec: AvroCodec, good: bytes, magic: int) -> None:
    reason = reason_of(codec, bytes([magic]) + good[1:])
    assert f"magic byte is {magic}, not 0" in reason


def test_json_text_is_not_the_wire_format(codec: AvroCodec) -> None:
    assert "magic byte is 123" in reason_of(codec, b'{"event_id": "e"}')


def test_unknown_schema_id(codec: AvroCodec, good: bytes) -> None:
    data = good[:1] + struct.pack(">I", 424242) + good[5:]
    with pytest.raises(CodecError) as caught:
        codec.decode(data)
    assert caught.value.reason == "unknown schema id 424242"
    assert caught.value.schema_id == 424242


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_truncated_body(codec: AvroCodec, good: bytes, cut: int) -> None:
    reason = reason_of(codec, good[:-cut])
    assert "corrupt or truncated dev.waymark.v1.CustomerEvent body" in reason
    assert "schema id" in reason


def test_header_without_body(codec: AvroCodec, good: bytes) -> None:
    assert "corrupt or truncated" in reason_of(codec, good[:5])


def test_enum_index_out_of_range(codec: AvroCodec) -> None:
    tick = codec.encode_model(
        Tick(customer_id="c", journey_id="j", entry_id="e", timer_id="t", due_at=AT, generation=1)
    )
    # A Tick starts with four strings; corrupting the first length makes the rest garbage.
    corrupt = tick[:5] + b"\x7f" + tick[6:]
    assert "corrupt or truncated dev.waymark.v1.Tick body" in reason_of(codec, corrupt)
    event = bytearray(codec.encode_model(EVENT))
    enum_at = 5 + 1 + len(EVENT.event_id) + 1 + len(EVENT.customer_id)
    event[enum_at] = 0x7E  # zigzag 63: no CustomerEventType has 64 symbols
    assert "corrupt or truncated" in reason_of(codec, bytes(event))


def test_trailing_bytes(codec: AvroCodec, good: bytes) -> None:
    assert "3 bytes after the end" in reason_of(codec, good + b"abc")


def test_json_field_holding_no_json(codec: AvroCodec, good: bytes) -> None:
    record = EVENT.to_avro() | {"properties": "{not json", "traits": "{}", "context": None}
    body = io.BytesIO()
    schemaless_writer(body, parse_schema(json.loads(SCHEMAS[EVENT.SCHEMA_NAME])), record)
    reason = reason_of(codec, good[:5] + body.getvalue())
    assert "field properties of dev.waymark.v1.CustomerEvent holds no valid JSON" in reason


def test_decode_as_another_model(codec: AvroCodec, good: bytes) -> None:
    with pytest.raises(
        CodecError, match=r"expected a dev\.waymark\.v1\.Tick, got a dev\.waymark\.v1"
    ):
        codec.decode_as(good, Tick)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"type": "purchase"}, "cannot encode dev.waymark.v1.CustomerEvent"),
        ({"event_id": None}, "cannot encode"),
        ({"surprise": 1}, "more fields than the schema"),
        ({"properties": {"x": math.nan}}, "Out of range float values are not JSON compliant"),
        ({"properties": {"when": AT}}, "not JSON serializable"),
    ],
)
def test_records_that_cannot_be_encoded(
    codec: AvroCodec, change: dict[str, object], expected: str
) -> None:
    with pytest.raises(CodecError, match=expected):
        codec.encode(EVENTS, EVENT.to_avro() | change)


def test_missing_required_field_cannot_be_encoded(codec: AvroCodec) -> None:
    with pytest.raises(CodecError, match="generation"):
        codec.encode(
            TICKS,
            {"customer_id": "c", "journey_id": "j", "entry_id": "e", "timer_id": "t", "due_at": AT},
        )


def test_unknown_target(codec: AvroCodec) -> None:
    with pytest.raises(CodecError, match=r"no schema to encode 'waymark\.nope\.v1'"):
        codec.encode("waymark.nope.v1", {})
