"""An async client for the Confluent schema registry's REST subset, with an in-process cache.

Registration and lookups by id are cached for the life of the client, so a service asks the
registry once per schema, at startup, and once per writer schema id it has not seen yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final
from urllib.parse import quote

import httpx

from waymark.core.contracts._generated import SCHEMAS
from waymark.core.contracts.codec import AvroCodec, CodecError, schema_id_of
from waymark.core.contracts.topics import VALUE_SCHEMAS, value_subject
from waymark.core.errors import PermanentError, TransientError, WaymarkError

__all__ = [
    "IncompatibleSchemaError",
    "InvalidSchemaError",
    "RegisteredSchema",
    "RegistryError",
    "RegistrySchemaIds",
    "RegistryUnavailableError",
    "SchemaNotFoundError",
    "SchemaRegistryClient",
    "learn_schemas",
    "register_schemas",
]

CONTENT_TYPE: Final = "application/vnd.schemaregistry.v1+json"
_SUBJECT_NOT_FOUND: Final = 40401


class RegistryError(WaymarkError):
    """The schema registry refused a request; `status` and `error_code` say how."""

    def __init__(self, message: str, *, status: int | None = None, error_code: int | None = None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class SchemaNotFoundError(RegistryError, PermanentError):
    """The subject, version or schema id does not exist (404)."""


class IncompatibleSchemaError(RegistryError, PermanentError):
    """The schema breaks the subject's compatibility level (409); the message says how."""


class InvalidSchemaError(RegistryError, PermanentError):
    """The registry rejected the schema or request as invalid (422)."""


class RegistryUnavailableError(RegistryError, TransientError):
    """The registry could not be reached or failed (network error, 5xx, 429): retry."""


_ERRORS: Mapping[int, type[RegistryError]] = {
    404: SchemaNotFoundError,
    409: IncompatibleSchemaError,
    422: InvalidSchemaError,
}


@dataclass(frozen=True, slots=True)
class RegisteredSchema:
    """One version of a subject as the registry holds it."""

    subject: str
    schema_id: int
    version: int
    schema: str


@dataclass(frozen=True, slots=True)
class RegistrySchemaIds:
    """Ids the registry assigned to the local schemas: a `SchemaIdSource` for the codec."""

    writer_ids: Mapping[str, int]
    schemas_by_id: Mapping[int, str]


class SchemaRegistryClient:
    """Async client of a Confluent-compatible schema registry."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": CONTENT_TYPE, "Content-Type": CONTENT_TYPE},
        )
        self._schemas: dict[int, str] = {}
        self._ids: dict[tuple[str, str], int] = {}

    async def __aenter__(self) -> SchemaRegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    async def _call(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, **params: Any
    ) -> Any:
        content = json.dumps(body) if body is not None else None
        try:
            response = await self._http.request(method, path, content=content, params=params)
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise RegistryUnavailableError(f"schema registry {self.url}: {reason}") from exc
        try:
            payload = response.json()
        except ValueError:
            payload = {"message": response.text[:200]}
        status = response.status_code
        if status < 400:
            return payload
        details = payload if isinstance(payload, dict) else {}
        message = f"schema registry {method} {path}: {status} {details.get('message', '')}"
        code = details.get("error_code")
        error_code = code if isinstance(code, int) else None
        if status >= 500 or status == 429:
            raise RegistryUnavailableError(message, status=status, error_code=error_code)
        error = _ERRORS.get(status, RegistryError)
        raise error(message.strip(), status=status, error_code=error_code)

    @staticmethod
    def _subject(subject: str) -> str:
        return quote(subject, safe="")

    async def register(self, subject: str, schema: str) -> int:
        """Register a schema under a subject (idempotent) and return its global id."""
        cached = self._ids.get((subject, schema))
        if cached is not None:
            return cached
        path = f"/subjects/{self._subject(subject)}/versions"
        payload = await self._call("POST", path, {"schema": schema, "schemaType": "AVRO"})
        schema_id = int(payload["id"])
        self._ids[(subject, schema)] = schema_id
        self._schemas.setdefault(schema_id, schema)
        return schema_id

    async def schema(self, schema_id: int) -> str:
        """The schema with a global id."""
        cached = self._schemas.get(schema_id)
        if cached is not None:
            return cached
        payload = await self._call("GET", f"/schemas/ids/{int(schema_id)}")
        text = str(payload["schema"])
        self._schemas[schema_id] = text
        return text

    async def latest(self, subject: str) -> RegisteredSchema:
        """The latest version of a subject (not cached: it changes)."""
        payload = await self._call("GET", f"/subjects/{self._subject(subject)}/versions/latest")
        result = RegisteredSchema(
            subject=str(payload["subject"]),
            schema_id=int(payload["id"]),
            version=int(payload["version"]),
            schema=str(payload["schema"]),
        )
        self._schemas.setdefault(result.schema_id, result.schema)
        return result

    async def compatibility_problems(self, subject: str, schema: str) -> list[str]:
        """Why a schema could not be registered under a subject; empty when it could.

        A subject with no version yet accepts any valid schema.
        """
        path = f"/compatibility/subjects/{self._subject(subject)}/versions/latest"
        try:
            payload = await self._call("POST", path, {"schema": schema}, verbose="true")
        except SchemaNotFoundError as exc:
            if exc.error_code == _SUBJECT_NOT_FOUND:
                return []
            raise
        if payload.get("is_compatible"):
            return []
        return [str(m) for m in payload.get("messages", [])] or ["incompatible"]

    async def compatibility_level(self, subject: str | None = None) -> str:
        """The compatibility level in force for a subject (falling back to the global one)."""
        if subject is None:
            payload = await self._call("GET", "/config")
        else:
            path = f"/config/{self._subject(subject)}"
            payload = await self._call("GET", path, defaultToGlobal="true")
        return str(payload["compatibilityLevel"])

    async def set_compatibility_level(self, level: str, subject: str | None = None) -> str:
        """Set the compatibility level of a subject, or the global one."""
        path = "/config" if subject is None else f"/config/{self._subject(subject)}"
        payload = await self._call("PUT", path, {"compatibility": level})
        return str(payload["compatibility"])


async def register_schemas(
    client: SchemaRegistryClient,
    topics: Iterable[str] = VALUE_SCHEMAS,
    *,
    prefix: str = "",
    schemas: Mapping[str, str] = SCHEMAS,
) -> RegistrySchemaIds:
    """Register the value schema of each (logical) topic under `<prefix><topic>-value`.

    Returns the ids for the codec; a registry assigns one id per schema, so both command
    lanes share theirs.
    """
    writer_ids: dict[str, int] = {}
    by_id: dict[int, str] = {}
    for topic in topics:
        name = VALUE_SCHEMAS.get(topic)
        if name is None:
            raise ValueError(f"{topic!r} is not a Waymark topic: give logical names and a prefix")
        text = schemas[name]
        schema_id = await client.register(value_subject(prefix + topic), text)
        writer_ids.setdefault(name, schema_id)
        by_id[schema_id] = text
    return RegistrySchemaIds(writer_ids=writer_ids, schemas_by_id=by_id)


async def learn_schemas(
    codec: AvroCodec, client: SchemaRegistryClient, values: Iterable[bytes | None]
) -> None:
    """Teach the codec every writer schema of these values it does not know yet.

    Values without a valid header, and ids the registry does not have, are left alone: decoding
    them raises the CodecError a consumer sends to its DLQ.
    """
    missing: set[int] = set()
    for value in values:
        try:
            schema_id = schema_id_of(value)
        except CodecError:
            continue
        if codec.knows(schema_id) or schema_id in missing:
            continue
        try:
            codec.learn(schema_id, await client.schema(schema_id))
        except (SchemaNotFoundError, CodecError):
            missing.add(schema_id)
