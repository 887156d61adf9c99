"""Schema ids without a registry: deterministic ids derived from the schemas themselves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Protocol

from fastavro.schema import to_parsing_canonical_form

from waymark.core.contracts._generated import SCHEMAS

__all__ = ["SchemaIdSource", "StaticSchemaIds", "static_schema_id"]


class SchemaIdSource(Protocol):
    """What the codec needs to know about ids: which to write, and what each one means."""

    @property
    def writer_ids(self) -> Mapping[str, int]:
        """Record full name -> the id written in front of records of the local schema."""
        ...

    @property
    def schemas_by_id(self) -> Mapping[int, str]:
        """Schema id -> schema JSON, for every writer schema the codec can read."""
        ...


def static_schema_id(schema: str) -> int:
    """A schema's static id: the first 31 bits of SHA-256 of its Parsing Canonical Form.

    Docs, defaults and key order do not change the id; anything that changes the bytes does.
    """
    canonical = to_parsing_canonical_form(json.loads(schema))
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:4], "big") & 0x7FFFFFFF


class StaticSchemaIds:
    """Registry-free ids for the local schemas, the same in every process that has them."""

    def __init__(self, schemas: Mapping[str, str] = SCHEMAS) -> None:
        ids = {name: static_schema_id(text) for name, text in schemas.items()}
        by_id: dict[int, str] = {}
        for name, schema_id in sorted(ids.items()):
            if schema_id in by_id and by_id[schema_id] != schemas[name]:
                raise ValueError(f"static schema id {schema_id} of {name} collides; rename it")
            by_id[schema_id] = schemas[name]
        self._writer_ids: Mapping[str, int] = ids
        self._schemas_by_id: Mapping[int, str] = by_id

    @property
    def writer_ids(self) -> Mapping[str, int]:
        """Record full name -> its static id."""
        return self._writer_ids

    @property
    def schemas_by_id(self) -> Mapping[int, str]:
        """Static id -> schema JSON."""
        return self._schemas_by_id
