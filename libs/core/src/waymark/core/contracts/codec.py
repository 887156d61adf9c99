"""The Avro codec: records and wire models to and from the Confluent wire format.

A value is byte 0 (magic), a 4-byte big-endian schema id, then the schemaless Avro body.
Schemas are parsed once, when the codec is built or learns an id; the per-record path does
no parsing and no validation beyond what the Avro encoding itself enforces.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any, NamedTuple, TypeVar, cast

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro.schema import to_parsing_canonical_form

from waymark.core.contracts._generated import MODELS, SCHEMAS, WireModel
from waymark.core.contracts.catalog import full_name, json_fields
from waymark.core.contracts.compiled import Reader, Writer, compile_reader, compile_writer
from waymark.core.contracts.json_text import dump_json, load_json
from waymark.core.contracts.schema_ids import SchemaIdSource, StaticSchemaIds
from waymark.core.contracts.topics import (
    VALUE_SCHEMAS,
    logical_topic,
    topic_of_subject,
    value_subject,
)
from waymark.core.errors import PermanentError

__all__ = ["HEADER_SIZE", "MAGIC_BYTE", "AvroCodec", "CodecError", "Decoded", "schema_id_of"]

MAGIC_BYTE = 0
HEADER_SIZE = 5
_HEADER = struct.Struct(">bI")

M = TypeVar("M", bound=WireModel)


class CodecError(PermanentError):
    """A value that cannot be encoded or decoded; `reason` is what a consumer's DLQ record says."""

    def __init__(self, reason: str, *, schema_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.schema_id = schema_id


class Decoded(NamedTuple):
    """A decoded value: the record's full name and its fields."""

    schema_name: str
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Writer:
    name: str
    parsed: Any
    header: bytes
    json_fields: tuple[str, ...]
    fast: Writer | None


@dataclass(frozen=True, slots=True)
class _Reader:
    name: str
    writer: Any
    reader: Any
    json_fields: tuple[str, ...]
    fast: Reader | None


def schema_id_of(data: bytes | None) -> int:
    """The schema id in a value's header; CodecError when there is no valid header."""
    if data is None:
        raise CodecError("no value (a tombstone)")
    if len(data) < HEADER_SIZE:
        raise CodecError(f"{len(data)} bytes is too short for the 5-byte wire-format header")
    magic, schema_id = _HEADER.unpack_from(data)
    if magic != MAGIC_BYTE:
        raise CodecError(f"magic byte is {data[0]}, not 0: not the Confluent wire format")
    return int(schema_id)


def _parse(text: str) -> tuple[Any, Any]:
    schema = json.loads(text)
    return schema, parse_schema(schema)


class AvroCodec:
    """Encodes and decodes values of the Waymark topics with ids from a registry or static ids."""

    def __init__(
        self,
        ids: SchemaIdSource | None = None,
        *,
        local_schemas: Mapping[str, str] = SCHEMAS,
        compiled: bool = True,
    ) -> None:
        """`compiled=False` leaves every record to fastavro (the compiled functions' reference)."""
        self._compiled = compiled
        ids = ids if ids is not None else StaticSchemaIds(local_schemas)
        self._local: dict[str, tuple[dict[str, Any], Any, str]] = {}
        for name, text in local_schemas.items():
            schema, parsed = _parse(text)
            self._local[name] = (schema, parsed, to_parsing_canonical_form(schema))
        self._targets: dict[object, _Writer] = {}
        for name, schema_id in ids.writer_ids.items():
            if name not in self._local:
                continue
            schema, parsed, _ = self._local[name]
            header = _HEADER.pack(MAGIC_BYTE, schema_id)
            fast = compile_writer(schema, header) if compiled else None
            writer = _Writer(name, parsed, header, json_fields(schema), fast)
            self._targets[name] = writer
            if name in MODELS:
                self._targets[MODELS[name]] = writer
        for topic, name in VALUE_SCHEMAS.items():
            if name in self._targets:
                self._targets[topic] = self._targets[value_subject(topic)] = self._targets[name]
        self._readers: dict[int, _Reader] = {}
        for schema_id, text in ids.schemas_by_id.items():
            self.learn(schema_id, text)

    @classmethod
    def static(cls) -> AvroCodec:
        """A codec with static ids: no registry, the same ids in every process."""
        return cls(StaticSchemaIds())

    def knows(self, schema_id: int) -> bool:
        """Whether values written with this schema id can be decoded."""
        return schema_id in self._readers

    def learn(self, schema_id: int, schema: str) -> None:
        """Accept a writer schema (e.g. fetched from the registry) for values with this id.

        Values whose record has a local schema are read into the local shape (Avro schema
        resolution: new fields get their defaults, removed ones are dropped).
        """
        try:
            writer_schema, writer = _parse(schema)
        except Exception as exc:  # fastavro raises several types for a bad schema
            raise CodecError(f"schema id {schema_id} is not a usable Avro schema: {exc}") from exc
        if not isinstance(writer_schema, dict) or writer_schema.get("type") != "record":
            raise CodecError(f"schema id {schema_id} is not a record schema: {schema[:80]}")
        name = full_name(writer_schema)
        local = self._local.get(name)
        if local is None:
            fast = compile_reader(writer_schema) if self._compiled else None
            fields = json_fields(writer_schema)
            self._readers[schema_id] = _Reader(name, writer, None, fields, fast)
            return
        local_schema, parsed, canonical = local
        same = to_parsing_canonical_form(writer_schema) == canonical
        reader = None if same else parsed
        # Values of another version of the schema need fastavro's schema resolution.
        fast = compile_reader(writer_schema) if same and self._compiled else None
        self._readers[schema_id] = _Reader(name, writer, reader, json_fields(local_schema), fast)

    def encode(self, target: str | type[WireModel], record: Mapping[str, Any] | WireModel) -> bytes:
        """Encode a record (a dict, JSON fields as values, or a model) for a topic (prefixed or
        not), its value subject, a record full name or a model class."""
        writer = self._targets.get(target) or self._resolve(target)
        fields = record if type(record) is dict or isinstance(record, Mapping) else record.to_avro()
        return self._write(writer, fields)

    def encoder(self, target: str | type[WireModel]) -> Callable[[Mapping[str, Any]], bytes]:
        """`encode` bound to one target, for a loop that writes many records of one kind."""
        writer = self._targets.get(target) or self._resolve(target)
        fast = writer.fast
        write = self._write

        def encode(record: Mapping[str, Any]) -> bytes:
            if fast is not None:
                try:
                    return fast(record)
                except Exception:  # the general path decides, errors included
                    pass
            return write(writer, record, general=True)

        return encode

    def _resolve(self, target: object) -> _Writer:
        """The writer of a prefixed topic or subject (`t1a2b.waymark.events.v1-value`)."""
        if isinstance(target, str):
            subject_topic = topic_of_subject(target)
            topic = logical_topic(subject_topic if subject_topic is not None else target)
            writer = self._targets.get(topic) if topic is not None else None
            if writer is not None:
                self._targets[target] = writer
                return writer
        raise CodecError(f"no schema to encode {target!r} with")

    def encode_model(self, model: WireModel) -> bytes:
        """Encode a wire model with its own schema."""
        return self.encode(type(model), model.to_avro())

    def _write(self, writer: _Writer, record: Mapping[str, Any], general: bool = False) -> bytes:
        if writer.fast is not None and not general:
            try:
                return writer.fast(record)
            except Exception:  # the general path below decides, errors included
                pass
        out = dict(record) if writer.json_fields else record
        buffer = BytesIO()
        buffer.write(writer.header)
        try:
            for name in writer.json_fields:
                value = out.get(name)
                if value is not None:
                    cast(dict[str, Any], out)[name] = dump_json(value)
            schemaless_writer(buffer, writer.parsed, out, strict_allow_default=True)
        except Exception as exc:  # fastavro raises ValueError, TypeError, KeyError...
            raise CodecError(f"cannot encode {writer.name}: {exc}") from exc
        return buffer.getvalue()

    def decode(self, data: bytes | None) -> Decoded:
        """Decode a value to (record full name, fields with JSON fields parsed)."""
        schema_id = schema_id_of(data)
        assert data is not None  # schema_id_of rejects None
        reader = self._readers.get(schema_id)
        if reader is None:
            raise CodecError(f"unknown schema id {schema_id}", schema_id=schema_id)
        record = self._read_fast(reader, data)
        if record is None:
            record = self._read(reader, schema_id, data)
        for name in reader.json_fields:
            value = record.get(name)
            if value is not None:
                try:
                    record[name] = load_json(value)
                except ValueError as exc:
                    reason = f"field {name} of {reader.name} holds no valid JSON: {exc}"
                    raise CodecError(reason, schema_id=schema_id) from exc
        return Decoded(reader.name, record)

    @staticmethod
    def _read_fast(reader: _Reader, data: bytes) -> dict[str, Any] | None:
        """The record through the compiled reader; None when the general path must decide."""
        if reader.fast is None:
            return None
        try:
            record, end = reader.fast(data, HEADER_SIZE)
        except Exception:  # truncated, corrupt or unusual: fastavro reads it or says why
            return None
        return record if end == len(data) else None

    @staticmethod
    def _read(reader: _Reader, schema_id: int, data: bytes) -> dict[str, Any]:
        """The record through fastavro, with schema resolution; CodecError saying what is wrong."""
        buffer = BytesIO(data)
        buffer.seek(HEADER_SIZE)
        try:
            record = cast(dict[str, Any], schemaless_reader(buffer, reader.writer, reader.reader))
        except Exception as exc:  # truncation gives EOFError, corruption several other types
            detail = str(exc) or type(exc).__name__
            reason = f"corrupt or truncated {reader.name} body (schema id {schema_id}): {detail}"
            raise CodecError(reason, schema_id=schema_id) from exc
        extra = len(data) - buffer.tell()
        if extra:
            reason = (
                f"{extra} bytes after the end of the {reader.name} record (schema id {schema_id})"
            )
            raise CodecError(reason, schema_id=schema_id)
        return record

    def decode_model(self, data: bytes | None) -> WireModel:
        """Decode a value to its wire model."""
        name, record = self.decode(data)
        model = MODELS.get(name)
        if model is None:
            raise CodecError(f"no wire model for {name}")
        return model.from_avro(record)

    def decode_as(self, data: bytes | None, model: type[M]) -> M:
        """Decode a value that must hold a given model (e.g. the one record of a topic)."""
        name, record = self.decode(data)
        if name != model.SCHEMA_NAME:
            raise CodecError(f"expected a {model.SCHEMA_NAME}, got a {name}")
        return cast(M, model.from_avro(record))
