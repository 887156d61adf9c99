"""Ingest is not ready, and answers 503, while its topics do not exist (they are never created
on the fly); once `waymark topics ensure` has run, it becomes ready by itself."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient

from waymark.core.adapters.kafka.topics import ensure_topics, topic_specs
from waymark.core.settings import KafkaSettings

from .support import running_ingest, until_ready


async def test_missing_topics_keep_ingest_unready_until_they_are_created(
    kafka_settings: KafkaSettings,
) -> None:
    async with running_ingest(kafka_settings, wait_ready=False) as ingest:
        # Several probe intervals: the producer is connected, only the topics are missing.
        await asyncio.sleep(1.5)
        assert (await ingest.http.get("/healthz")).status_code == 200
        refused = await ingest.http.post("/v1/track", json={"userId": "c", "event": "a"})
        assert refused.status_code == 503
        assert (await ingest.http.get("/readyz")).status_code == 503

        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_settings.bootstrap)
        await admin.start()
        specs = topic_specs(kafka_settings.topic_prefix, kafka_settings.partitions)
        try:
            assert (await ensure_topics(admin, specs)).ok
            await until_ready(ingest.http, within=15)
            accepted = await ingest.http.post("/v1/track", json={"userId": "c", "event": "a"})
            assert accepted.status_code == 202
        finally:
            await admin.delete_topics([s.name for s in specs])
            await admin.close()
