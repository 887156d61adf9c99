"""Refused requests answer `{"errors": [{"field", "reason"}]}`: bad JSON, bad types, big bodies."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from waymark.journey_engine.api.auth import TokenAuth
from waymark.journey_engine.api.errors import (
    ConflictError,
    UnauthorizedError,
    install_error_handlers,
)
from waymark.journey_engine.api.middleware import BodyLimit


class Thing(BaseModel):
    name: str
    count: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def create(thing: Thing) -> Thing:
        if thing.name == "taken":
            raise ConflictError("the name is taken", "name")
        return thing

    app.add_middleware(BodyLimit, max_bytes=2048)
    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=_app())
    return httpx.AsyncClient(transport=transport, base_url="http://t")


async def test_malformed_json_is_400_naming_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/things", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert error["reason"].startswith("the body is not valid JSON")


async def test_wrong_types_are_422_naming_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": 3, "count": "many"})
    assert response.status_code == 422
    fields = sorted(error["field"] for error in response.json()["errors"])
    assert fields == ["count", "name"]
    response = await client.post("/things", json=[1])
    assert response.json()["errors"][0]["field"] == "body"


async def test_api_errors_keep_their_status_and_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "taken", "count": 1})
    assert response.status_code == 409
    assert response.json() == {"errors": [{"field": "name", "reason": "the name is taken"}]}


async def test_unknown_route_and_method_are_json_errors(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"errors": [{"field": None, "reason": "Not Found"}]}
    assert (await client.get("/things")).status_code == 405


async def test_bodies_over_the_limit_are_413_declared_or_chunked(client: httpx.AsyncClient) -> None:
    big = b'{"name": "' + b"x" * 4096 + b'", "count": 1}'
    response = await client.post(
        "/things", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "body"

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(8):
            yield b"x" * 512

    response = await client.post("/things", content=chunks())
    assert response.status_code == 413


def test_token_roles_and_reasons() -> None:
    auth = TokenAuth({"t-view": "viewer", "t-admin": "admin"})
    assert auth.caller("Bearer t-admin").role == "admin"
    assert auth.caller("bearer  t-view ").role == "viewer"
    for header, reason in [
        (None, "an Authorization: Bearer <token> header is required"),
        ("Token t-admin", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer t-other", "the bearer token is not known"),
    ]:
        with pytest.raises(UnauthorizedError) as caught:
            auth.caller(header)
        assert caught.value.errors[0].reason == reason
