"""The OpenAPI document, with the journey document's own JSON schema where journeys travel.

Journey bodies are taken as plain JSON objects, so that their problems are reported with the
document paths of JOURNEYS.md (`milestones[0].steps[2].goto`); the schema of the journey
model is added here so that clients and fuzzers still see the real shape.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from waymark.core.journeys import Journey

__all__ = ["JOURNEY_BODY", "JOURNEY_SCHEMA_NAME", "install_openapi"]

JOURNEY_SCHEMA_NAME = "JourneyDocument"
_REF = f"#/components/schemas/{JOURNEY_SCHEMA_NAME}"

JOURNEY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": _REF}}},
    }
}
"""`openapi_extra` of the routes whose body is a journey document."""


def _journey_schemas() -> dict[str, Any]:
    schema = Journey.model_json_schema(ref_template="#/components/schemas/Journey{model}")
    definitions = schema.pop("$defs", {})
    # Prefixed, so no journey part can collide with an API model of the same name.
    named = {f"Journey{name}": value for name, value in definitions.items()}
    named[JOURNEY_SCHEMA_NAME] = schema
    return dict(json.loads(json.dumps(named)))


def _only_refs(document: dict[str, Any]) -> None:
    # `openapi_extra` is merged into the generated body schema (`type: object`, a title);
    # what remains should be the reference alone.
    for item in document.get("paths", {}).values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if schema.get("$ref") == _REF:
                content["application/json"]["schema"] = {"$ref": _REF}


def install_openapi(app: FastAPI) -> None:
    """Serve the generated document with the journey schemas among its components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            document.setdefault("components", {}).setdefault("schemas", {}).update(
                _journey_schemas()
            )
            _only_refs(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
