"""/metrics counts requests by route and status, accepted events by type, rejections by reason."""

from __future__ import annotations

import re

import httpx


def _value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


async def test_metrics_move_with_traffic(client: httpx.AsyncClient) -> None:
    before = (await client.get("/metrics")).text
    await client.post("/v1/track", json={"userId": "c", "event": "a"})
    await client.post("/v1/identify", json={"userId": "c"})
    await client.post("/v1/journeys/some-journey/trigger", json={"userId": "c"})
    await client.post("/v1/track", json={"event": "a"})
    await client.post(
        "/v1/batch",
        json={
            "batch": [
                {"type": "track", "userId": "c", "event": "a"},
                {"type": "track", "userId": "c", "event": "a", "timestamp": "2030-01-01T00:00:00Z"},
                {"type": "track", "userId": "c", "event": "a"},
            ]
        },
    )
    after = (await client.get("/metrics")).text

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("waymark_ingest_requests_total", route="/v1/track", status="202") == 1
    assert delta("waymark_ingest_requests_total", route="/v1/track", status="400") == 1
    assert (
        delta("waymark_ingest_requests_total", route="/v1/journeys/{id}/trigger", status="202") == 1
    )
    assert delta("waymark_ingest_events_total", type="track") == 1
    assert delta("waymark_ingest_events_total", type="identify") == 1
    assert delta("waymark_ingest_events_total", type="api_trigger") == 1
    assert delta("waymark_ingest_rejected_events_total", reason="invalid") == 1
    assert delta("waymark_ingest_rejected_events_total", reason="future_timestamp") == 1
    assert delta("waymark_ingest_rejected_events_total", reason="batch_rejected") == 2
