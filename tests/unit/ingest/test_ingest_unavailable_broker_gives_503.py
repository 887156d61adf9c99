"""While the broker cannot take records, calls get 503 with Retry-After (never 202) and
readiness fails; nothing is reported accepted."""

from __future__ import annotations

import httpx
from ingest_doubles import MemoryPublisher


async def test_calls_get_503_with_retry_after_and_readyz_fails(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    publisher.down = True
    single = await client.post("/v1/track", json={"userId": "c", "event": "a"})
    batch = await client.post(
        "/v1/batch", json={"batch": [{"type": "track", "userId": "c", "event": "a"}]}
    )
    ready = await client.get("/readyz")
    for response in (single, batch):
        assert response.status_code == 503
        assert response.headers["retry-after"] == "2"
        assert response.json() == {
            "errors": [{"field": None, "reason": "the event broker cannot be reached; retry later"}]
        }
    assert ready.status_code == 503
    assert (await client.get("/healthz")).status_code == 200
    publisher.down = False
    assert (await client.get("/readyz")).status_code == 200


async def test_invalid_calls_still_get_400_while_the_broker_is_down(
    client: httpx.AsyncClient, publisher: MemoryPublisher
) -> None:
    publisher.down = True
    response = await client.post("/v1/track", json={"event": "a"})
    assert response.status_code == 400
