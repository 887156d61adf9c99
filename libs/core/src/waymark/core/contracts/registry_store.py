"""The embedded schema registry's store: schemas, subjects, versions and compatibility levels.

Kept in memory and, given a data directory, in one JSON file rewritten atomically on every
change. Ids are global and stable: the same schema under any subject gets the same id.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import avro.errors

from waymark.core.contracts.catalog import parse_avro
from waymark.core.contracts.compatibility import DEFAULT_LEVEL, LEVELS, compatibility_problems
from waymark.core.errors import WaymarkError

__all__ = ["RegisteredVersion", "SchemaStore", "StoreError"]

STATE_FILE: Final = "schema-registry.json"


class StoreError(WaymarkError):
    """A request the registry refuses, with the Confluent error code (HTTP status = code[:3])."""

    def __init__(self, error_code: int, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message

    @property
    def status(self) -> int:
        """The HTTP status of the error: 40401 -> 404, 409 -> 409."""
        code = self.error_code
        return code if code < 1000 else int(str(code)[:3])


@dataclass(frozen=True, slots=True)
class RegisteredVersion:
    """One version of a subject: its number, the global schema id and the schema."""

    subject: str
    version: int
    schema_id: int
    schema: str


def _normalize(schema: str) -> tuple[str, str]:
    """A schema's stored text (compact JSON) and identity key (sorted keys), if valid Avro."""
    try:
        parsed = json.loads(schema)
        parse_avro(schema)
    except (ValueError, TypeError, avro.errors.AvroException) as exc:
        raise StoreError(42201, f"Invalid schema: {exc}") from exc
    compact = json.dumps(parsed, separators=(",", ":"))
    return compact, json.dumps(parsed, separators=(",", ":"), sort_keys=True)


@dataclass
class _State:
    schemas: list[str] = field(default_factory=list)
    subjects: dict[str, list[int]] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)
    global_level: str = DEFAULT_LEVEL


class SchemaStore:
    """Schemas by id and subjects by version, with compatibility enforced on registration."""

    def __init__(self, data_dir: Path | None = None, *, level: str = DEFAULT_LEVEL) -> None:
        self._path = data_dir / STATE_FILE if data_dir is not None else None
        self._lock = threading.Lock()
        self._state = _State(global_level=level)
        if self._path is not None and self._path.exists():
            self._state = self._load(self._path)
        self._ids = {self._key(text): i + 1 for i, text in enumerate(self._state.schemas)}

    @staticmethod
    def _load(path: Path) -> _State:
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return _State(
                schemas=[str(text) for text in raw["schemas"]],
                subjects={str(k): [int(i) for i in v] for k, v in raw["subjects"].items()},
                levels={str(k): str(v) for k, v in raw["levels"].items()},
                global_level=str(raw["global_level"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(50001, f"{path}: unreadable registry state: {exc}") from exc

    @staticmethod
    def _key(text: str) -> str:
        return json.dumps(json.loads(text), separators=(",", ":"), sort_keys=True)

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        state = self._state
        payload = {
            "schemas": state.schemas,
            "subjects": state.subjects,
            "levels": state.levels,
            "global_level": state.global_level,
        }
        tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        # Atomic swap: a crash leaves the old file or the new one, never half of one.
        os.replace(tmp, self._path)

    def register(self, subject: str, schema: str) -> int:
        """Register a schema under a subject (idempotent) and return its global id."""
        text, key = _normalize(schema)
        with self._lock:
            versions = self._state.subjects.get(subject, [])
            known = self._ids.get(key)
            if known is not None and known in versions:
                return known
            previous = [self._state.schemas[i - 1] for i in versions]
            problems = compatibility_problems(text, previous, self._level(subject))
            if problems:
                detail = "; ".join(problems)
                raise StoreError(
                    409,
                    f"Schema being registered is incompatible with an earlier schema for "
                    f"subject {subject!r}, details: {detail}",
                )
            if known is None:
                self._state.schemas.append(text)
                known = self._ids[key] = len(self._state.schemas)
            self._state.subjects[subject] = [*versions, known]
            self._save()
            return known

    def schema(self, schema_id: int) -> str:
        """The schema with a global id."""
        if not 1 <= schema_id <= len(self._state.schemas):
            raise StoreError(40403, f"Schema {schema_id} not found")
        return self._state.schemas[schema_id - 1]

    def subjects(self) -> list[str]:
        """Every subject with at least one version, sorted."""
        return sorted(self._state.subjects)

    def versions(self, subject: str) -> list[int]:
        """The version numbers of a subject."""
        ids = self._state.subjects.get(subject)
        if not ids:
            raise StoreError(40401, f"Subject {subject!r} not found.")
        return list(range(1, len(ids) + 1))

    def version(self, subject: str, version: str) -> RegisteredVersion:
        """One version of a subject: a number or `latest`."""
        numbers = self.versions(subject)
        if version == "latest":
            number = numbers[-1]
        elif version.isdigit() and int(version) >= 1:
            number = int(version)
            if number > numbers[-1]:
                raise StoreError(40402, f"Version {number} not found.")
        else:
            raise StoreError(42202, f"The specified version {version!r} is not valid.")
        schema_id = self._state.subjects[subject][number - 1]
        return RegisteredVersion(subject, number, schema_id, self.schema(schema_id))

    def check(self, subject: str, schema: str, version: str = "latest") -> list[str]:
        """Why a schema could not be registered under a subject; empty when it could."""
        text, _ = _normalize(schema)
        level = self._level(subject)
        if version == "latest":
            ids = self._state.subjects.get(subject)
            if not ids:
                raise StoreError(40401, f"Subject {subject!r} not found.")
            previous = [self._state.schemas[i - 1] for i in ids]
            return compatibility_problems(text, previous, level)
        target = self.version(subject, version).schema
        return compatibility_problems(text, [target], level.removesuffix("_TRANSITIVE"))

    def _level(self, subject: str) -> str:
        return self._state.levels.get(subject, self._state.global_level)

    def level(self, subject: str | None = None, *, default_to_global: bool = False) -> str:
        """The compatibility level of a subject (or the global one)."""
        if subject is None:
            return self._state.global_level
        level = self._state.levels.get(subject)
        if level is None and not default_to_global:
            raise StoreError(40408, f"Subject {subject!r} does not have subject-level config")
        return level or self._state.global_level

    def set_level(self, level: str, subject: str | None = None) -> str:
        """Set the compatibility level of a subject (or the global one)."""
        if level not in LEVELS:
            raise StoreError(42203, f"Invalid compatibility level {level!r}")
        with self._lock:
            if subject is None:
                self._state.global_level = level
            else:
                self._state.levels[subject] = level
            self._save()
        return level
