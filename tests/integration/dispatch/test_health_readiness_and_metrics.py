"""/healthz, /readyz and /metrics answer; the metrics include dispatch's own."""

from __future__ import annotations

from typing import Any

import httpx

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    Outcomes,
    command,
    dispatch_settings,
    produce,
    running,
    store_templates,
    template,
)


async def test_probes_and_metrics_answer_while_running(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, template("receipt"))
    settings = dispatch_settings(sinks, unique)
    base = f"http://127.0.0.1:{settings.http_port}"
    async with Outcomes(kafka_topics) as outcomes, running(settings, kafka_topics, mongo_settings):
        await produce(kafka_topics, [command(1)])
        await outcomes.count(1)
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{base}/healthz")
            ready = await client.get(f"{base}/readyz")
            metrics = await client.get(f"{base}/metrics")
    assert health.status_code == 200
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"kafka": "ok", "mongo": "ok", "lanes": "ok"}}
    assert metrics.status_code == 200
    assert 'waymark_dispatch_outcomes_total{channel="email",lane="transactional"' in metrics.text
    assert "waymark_dispatch_send_seconds_bucket" in metrics.text
    assert "customer1@example.com" not in metrics.text
