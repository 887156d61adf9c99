"""The direct lane of the event routes answers every request byte for byte as the FastAPI
routes do: status, headers and body, for accepted calls and for each kind of refusal; its
202 body is the `Receipt` model's JSON."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from ingest_doubles import WRITE_KEY, MemoryPublisher
from pydantic import TypeAdapter

from waymark.trigger_ingest import intake
from waymark.trigger_ingest.app import Receipt
from waymark.trigger_ingest.event_routes import DirectEventRoutes, receipt

TRACK = {"userId": "c", "event": "viewed", "messageId": "m-1", "properties": {"sku": "é"}}
BATCH = {"batch": [{"type": "track", **TRACK}, {"type": "identify", "userId": 7}]}
CASES: list[tuple[str, Any, dict[str, str] | None]] = [
    ("/v1/track", TRACK, None),
    ("/v1/identify", {"anonymousId": "a", "traits": {"plan": "pro"}}, None),
    ("/v1/consent", {"userId": "c", "channel": "sms", "granted": False}, None),
    ("/v1/journeys/spring-sale/trigger", {"userId": "c", "properties": {"x": 1}}, None),
    ("/v1/batch", BATCH, None),
    ("/v1/track", b'{"userId": "c",', None),
    ("/v1/track", [TRACK], None),
    ("/v1/track", {"event": "viewed", "timestamp": "2030-01-01T00:00:00Z"}, None),
    ("/v1/consent", {"userId": True, "channel": "fax"}, None),
    ("/v1/batch", {"batch": [{"type": "track", "userId": "c"}, {"type": "page"}]}, None),
    ("/v1/track", {**TRACK, "properties": {"pad": "x" * 40_000}}, None),
    ("/v1/track", TRACK, {"authorization": "Bearer nope"}),
    ("/v1/journeys/spring-sale/trigger", TRACK, {"authorization": "Basic bm9wZTo="}),
]


@pytest.fixture
async def routed(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client through FastAPI's router: the direct lane leaves requests under a root path."""
    transport = httpx.ASGITransport(app=app, root_path="/ingest")
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ingest/ingest", auth=(WRITE_KEY, "")
    ) as http:
        yield http


@pytest.fixture
def direct_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the direct lane served; generated event ids are fixed to compare bodies."""
    served: list[str] = []
    serve = DirectEventRoutes._serve

    async def spy(self: DirectEventRoutes, scope: Any, *args: Any) -> None:
        served.append(scope["path"])
        await serve(self, scope, *args)

    monkeypatch.setattr(DirectEventRoutes, "_serve", spy)
    monkeypatch.setattr(intake, "new_event_id", lambda: "generated-id")
    return served


async def _answer(
    http: httpx.AsyncClient, path: str, body: Any, headers: dict[str, str] | None
) -> tuple[int, list[tuple[str, str]], bytes]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"content-type": "application/json", **(headers or {})}
    response = await http.post(path, content=content, headers=sent)
    return response.status_code, response.headers.multi_items(), response.content


@pytest.mark.parametrize("down", [False, True], ids=["broker up", "broker down"])
@pytest.mark.parametrize(("path", "body", "headers"), CASES)
async def test_direct_and_routed_answers_are_identical(
    client: httpx.AsyncClient,
    routed: httpx.AsyncClient,
    publisher: MemoryPublisher,
    direct_calls: list[str],
    down: bool,
    path: str,
    body: Any,
    headers: dict[str, str] | None,
) -> None:
    publisher.down = down
    direct = await _answer(client, path, body, headers)
    assert direct_calls == [path]
    through_router = await _answer(routed, path, body, headers)
    assert direct_calls == [path]
    assert direct == through_router


@pytest.mark.parametrize(
    "ids", [["m-1"], ["a", "b"], ['quote " back \\ slash', "é ü 😀", "line\u2028sep", "\x00\x1f"]]
)
def test_the_receipt_is_the_json_of_the_receipt_model(ids: list[str]) -> None:
    model = Receipt(accepted=len(ids), message_ids=ids)
    answer = receipt(ids)
    assert answer.status_code == 202
    assert answer.headers["content-type"] == "application/json"
    assert answer.body == TypeAdapter(Receipt).dump_json(model, by_alias=True)
