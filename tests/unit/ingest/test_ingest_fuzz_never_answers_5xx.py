"""Fuzzing the OpenAPI-derived routes: generated bodies never get a 5xx, and malformed JSON,
wrong types, oversized and unicode-heavy payloads get only 4xx."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_doubles import WRITE_KEY, signed_headers
from ingest_openapi_strategies import JSON, TEXT, from_schema, post_operations

FUZZ = settings(
    max_examples=200,
    # The same examples on every run: a CI failure reproduces locally.
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROVIDERS = st.sampled_from(["email", "sms", "push", "fax"])
JOURNEYS = st.one_of(st.sampled_from(["cart-recovery", "abc"]), st.text(min_size=1, max_size=70))


def _url(path: str, journey: str, provider: str) -> str:
    return path.replace("{id}", quote(journey, safe="") or "x").replace("{provider}", provider)


class SyncClient:
    """Posts to the app from Hypothesis' synchronous examples, on one private event loop."""

    def __init__(self, app: FastAPI) -> None:
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://ingest", auth=(WRITE_KEY, "")
        )

    def post(self, path: str, content: bytes, provider: str) -> httpx.Response:
        headers = signed_headers(provider if provider != "fax" else "email", content)
        return self.loop.run_until_complete(self.http.post(path, content=content, headers=headers))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def fuzz_client(app: FastAPI) -> Iterator[SyncClient]:
    client = SyncClient(app)
    yield client
    client.close()


@st.composite
def _operation_bodies(draw: st.DrawFn, app: FastAPI) -> tuple[str, Any]:
    document = app.openapi()
    components = document["components"]["schemas"]
    path, schema = draw(st.sampled_from(post_operations(document)))
    return path, draw(from_schema(schema, components))


def _wrong_types(value: Any) -> st.SearchStrategy[Any]:
    if isinstance(value, dict) and value:
        return st.sampled_from(sorted(value)).flatmap(
            lambda key: JSON.map(lambda bad: {**value, key: bad})
        )
    return JSON


def test_bodies_generated_from_the_openapi_schemas_never_get_a_5xx(
    app: FastAPI, fuzz_client: SyncClient
) -> None:
    accepted: set[str] = set()

    @FUZZ
    @given(call=_operation_bodies(app), journey=JOURNEYS, provider=PROVIDERS)
    def check(call: tuple[str, Any], journey: str, provider: str) -> None:
        path, body = call
        content = json.dumps(body).encode()
        response = fuzz_client.post(_url(path, journey, provider), content, provider)
        assert response.status_code < 500, (path, body, response.text)
        if response.status_code >= 400:
            assert response.json()["errors"], response.text
        else:
            accepted.add(path)

    check()
    # The generator follows the documented schemas closely enough to get every route's 202.
    assert accepted == {path for path, _ in post_operations(app.openapi())}


def test_malformed_wrongly_typed_oversized_and_unicode_heavy_bodies_get_only_4xx(
    app: FastAPI, fuzz_client: SyncClient
) -> None:
    @st.composite
    def malformed(draw: st.DrawFn) -> tuple[str, bytes]:
        path, body = draw(_operation_bodies(app))
        content = draw(
            st.one_of(
                st.binary(max_size=200),
                JSON.map(lambda v: json.dumps(v).encode()),
                _wrong_types(body).map(lambda v: json.dumps(v).encode()),
                st.just(json.dumps(body).encode()).map(lambda b: b[: max(1, len(b) // 2)]),
                TEXT.map(
                    lambda t: json.dumps({"userId": t, "event": t * 40, "batch": [t]}).encode(
                        "utf-8", "surrogatepass"
                    )
                ),
                st.integers(33_000, 600_000).map(
                    lambda n: b'{"userId":"c","event":"' + b"x" * n + b'"}'
                ),
                st.integers(150, 400).map(lambda n: b"[" * n + b"]" * n),
            )
        )
        return path, content

    @FUZZ
    @given(call=malformed(), journey=JOURNEYS, provider=PROVIDERS)
    def check(call: tuple[str, bytes], journey: str, provider: str) -> None:
        path, content = call
        response = fuzz_client.post(_url(path, journey, provider), content, provider)
        if response.status_code == 202:
            return  # a malformed-looking body can still be a valid call
        assert 400 <= response.status_code < 500, (path, content[:200], response.text)
        assert response.json()["errors"], response.text

    check()


HEADER_TEXT = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=80),
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
    st.integers(min_value=10**9, max_value=10**13).map(str),
    st.sampled_from(["99999999999", "999999999999", "0", "-1", "1e9", " 1", "\u00b2\u00b3"]),
    st.just("v1=").map(lambda p: p + "0" * 64),
)


def test_arbitrary_signature_headers_get_only_4xx(fuzz_client: SyncClient) -> None:
    @FUZZ
    @given(stamp=HEADER_TEXT, signature=HEADER_TEXT, provider=PROVIDERS)
    def check(stamp: str, signature: str, provider: str) -> None:
        headers = {
            "x-waymark-timestamp": stamp.encode("latin-1"),
            "x-waymark-signature": signature.encode("latin-1"),
        }
        response = fuzz_client.loop.run_until_complete(
            fuzz_client.http.post(f"/v1/webhooks/{provider}", content=b"{}", headers=headers)
        )
        assert 400 <= response.status_code < 500, response.text

    check()
