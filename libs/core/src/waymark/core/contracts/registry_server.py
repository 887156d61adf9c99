"""An embedded schema registry for the local stack: the Confluent REST subset Waymark uses.

`python -m waymark.core.contracts.registry_server --port 8081 --data-dir .local/registry`
serves it; `create_app(SchemaStore())` gives the app to tests. Incompatible schemas get 409,
invalid ones 422, unknown subjects, versions and ids 404, each with Confluent's error body.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from waymark.core.contracts.compatibility import DEFAULT_LEVEL, LEVELS
from waymark.core.contracts.registry_store import SchemaStore, StoreError

__all__ = ["CONTENT_TYPE", "create_app", "main"]

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


def _reply(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=CONTENT_TYPE)


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object of a request, whatever its content type says."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise StoreError(42201, f"Request body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise StoreError(42201, "Request body must be a JSON object")
    return body


async def _schema_of(request: Request) -> str:
    body = await _body(request)
    schema_type = body.get("schemaType", "AVRO")
    if schema_type != "AVRO":
        raise StoreError(42201, f"Unsupported schemaType {schema_type!r}: only AVRO is served")
    if body.get("references"):
        raise StoreError(42201, "Schema references are not supported")
    schema = body.get("schema")
    if not isinstance(schema, str):
        raise StoreError(42201, "Field 'schema' must be the schema as a JSON string")
    return schema


async def _level_of(request: Request) -> str:
    level = (await _body(request)).get("compatibility")
    if not isinstance(level, str) or level not in LEVELS:
        raise StoreError(42203, f"Invalid compatibility level {level!r}; one of {list(LEVELS)}")
    return level


def _version_body(store: SchemaStore, subject: str, version: str) -> dict[str, Any]:
    found = store.version(subject, version)
    return {
        "subject": found.subject,
        "version": found.version,
        "id": found.schema_id,
        "schema": found.schema,
    }


def create_app(store: SchemaStore) -> FastAPI:
    """The registry's HTTP app over a store."""
    app = FastAPI(title="Waymark schema registry", docs_url=None, redoc_url=None)

    @app.exception_handler(StoreError)
    async def store_error(_: Request, exc: StoreError) -> JSONResponse:
        return _reply({"error_code": exc.error_code, "message": exc.message}, exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        message = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        return _reply({"error_code": 422, "message": message}, 422)

    @app.get("/")
    async def root() -> JSONResponse:
        return _reply({})

    @app.get("/subjects")
    async def subjects() -> JSONResponse:
        return _reply(store.subjects())

    @app.post("/subjects/{subject}/versions")
    async def register(subject: str, request: Request) -> JSONResponse:
        return _reply({"id": store.register(subject, await _schema_of(request))})

    @app.get("/subjects/{subject}/versions")
    async def versions(subject: str) -> JSONResponse:
        return _reply(store.versions(subject))

    @app.get("/subjects/{subject}/versions/{version}")
    async def version(subject: str, version: str) -> JSONResponse:
        return _reply(_version_body(store, subject, version))

    @app.get("/schemas/ids/{schema_id}")
    async def schema(schema_id: int) -> JSONResponse:
        return _reply({"schema": store.schema(schema_id)})

    @app.post("/compatibility/subjects/{subject}/versions/{version}")
    async def compatibility(
        subject: str, version: str, request: Request, verbose: bool = False
    ) -> JSONResponse:
        problems = store.check(subject, await _schema_of(request), version)
        body: dict[str, Any] = {"is_compatible": not problems}
        if verbose:
            body["messages"] = problems
        return _reply(body)

    @app.get("/config")
    async def global_config() -> JSONResponse:
        return _reply({"compatibilityLevel": store.level()})

    @app.put("/config")
    async def set_global_config(request: Request) -> JSONResponse:
        return _reply({"compatibility": store.set_level(await _level_of(request))})

    @app.get("/config/{subject}")
    async def subject_config(subject: str, defaultToGlobal: bool = False) -> JSONResponse:  # noqa: N803 (Confluent's name)
        level = store.level(subject, default_to_global=defaultToGlobal)
        return _reply({"compatibilityLevel": level})

    @app.put("/config/{subject}")
    async def set_subject_config(subject: str, request: Request) -> JSONResponse:
        return _reply({"compatibility": store.set_level(await _level_of(request), subject)})

    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the embedded registry until interrupted; returns the exit status."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m waymark.core.contracts.registry_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--data-dir", type=Path, default=None, help="persist here (else memory)")
    parser.add_argument("--level", choices=LEVELS, default=DEFAULT_LEVEL, help="global default")
    args = parser.parse_args(argv)
    try:
        store = SchemaStore(args.data_dir, level=args.level)
    except StoreError as exc:
        print(f"schema registry: {exc.message}", file=sys.stderr)
        return 1
    uvicorn.run(create_app(store), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
