"""The OpenAPI document: request bodies from the call models, and the two auth schemes.

Routes read their bodies themselves (authentication first, raw bytes for size limits and
signatures), so FastAPI cannot infer the bodies; they are declared here from the same models
that validate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from waymark.trigger_ingest.webhooks.signature import SIGNATURE_HEADER

__all__ = ["install_openapi", "request_body"]

_REF = "#/components/schemas/{model}"


def request_body(*models: type[BaseModel], array: bool = False) -> dict[str, Any]:
    """`openapi_extra` declaring a JSON body of one of `models` (or an array of them)."""
    refs: list[dict[str, Any]] = [{"$ref": _REF.format(model=m.__name__)} for m in models]
    schema: dict[str, Any] = refs[0] if len(refs) == 1 else {"anyOf": refs}
    if array:
        schema = {"anyOf": [schema, {"type": "array", "items": schema, "minItems": 1}]}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def install_openapi(
    app: FastAPI, models: Sequence[type[BaseModel]], *, write_key_paths: Sequence[str]
) -> None:
    """Make `app.openapi()` include the models' schemas and the security schemes."""

    def openapi() -> dict[str, Any]:
        """The document, built once."""
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        _, defs = models_json_schema([(m, "validation") for m in models], ref_template=_REF)
        components = document.setdefault("components", {})
        components.setdefault("schemas", {}).update(defs.get("$defs", {}))
        components["securitySchemes"] = {
            "writeKey": {
                "type": "http",
                "scheme": "basic",
                "description": "the source's write key as user name, empty password",
            },
            "webhookSignature": {
                "type": "apiKey",
                "in": "header",
                "name": SIGNATURE_HEADER,
                "description": "v1=HMAC-SHA256(secret, '<X-Waymark-Timestamp>.' + body), hex",
            },
        }
        # Bad input is answered 400 with ErrorBody, never FastAPI's default 422.
        for name in ("HTTPValidationError", "ValidationError"):
            components["schemas"].pop(name, None)
        for path, item in document.get("paths", {}).items():
            for operation in item.values():
                operation.get("responses", {}).pop("422", None)
                if path in write_key_paths:
                    operation["security"] = [{"writeKey": []}]
                elif path.startswith("/v1/webhooks/"):
                    operation["security"] = [{"webhookSignature": []}]
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
