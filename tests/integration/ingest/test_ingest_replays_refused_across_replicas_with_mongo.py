"""With the MongoDB replay store, a signed request accepted by one replica is refused as a
replay by another; an expired claim is taken over (FerretDB has no TTL index)."""

from __future__ import annotations

import json
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.trigger_ingest.bootstrap import REPLAY_COLLECTION
from waymark.trigger_ingest.webhooks.replay import MongoSeenSignatures
from waymark.trigger_ingest.webhooks.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from .support import SECRETS, decoded, ingest_settings, read_topic, running_ingest


async def test_a_request_accepted_by_one_replica_is_refused_by_another(
    kafka_topics: KafkaSettings, mongo_db: Any, mongo_url: str
) -> None:
    body = json.dumps({"event": "delivered", "message_id": "p1", "customer_id": "c1"}).encode()
    stamp = int(time.time())
    headers = {TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign(SECRETS["push"], stamp, body)}
    mongo = MongoSettings(url=mongo_url, database=mongo_db.name)
    settings = ingest_settings(replay_store="mongo")
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(running_ingest(kafka_topics, settings, mongo=mongo))
        second = await stack.enter_async_context(
            running_ingest(kafka_topics, settings, mongo=mongo)
        )
        accepted = await first.http.post("/v1/webhooks/push", content=body, headers=headers)
        replayed = await second.http.post("/v1/webhooks/push", content=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    assert replayed.status_code == 409
    assert await mongo_db[REPLAY_COLLECTION].count_documents({}) == 1
    outcomes = decoded(await read_topic(kafka_topics, Topic.OUTCOMES))
    assert [o["outcome_id"] for o in outcomes] == ["push:p1:delivered"]


async def test_claims_are_released_and_expired_ones_taken_over(mongo_db: Any) -> None:
    now = datetime.now(UTC)
    store = MongoSeenSignatures(mongo_db[REPLAY_COLLECTION], lambda: now, timeout=5, retry_after=1)
    assert await store.claim("k1", now + timedelta(minutes=5))
    assert not await store.claim("k1", now + timedelta(minutes=5))
    await store.release("k1")
    assert await store.claim("k1", now + timedelta(minutes=5))
    await mongo_db[REPLAY_COLLECTION].insert_one({"_id": "k2", "expires_at": now - timedelta(1)})
    assert await store.claim("k2", now + timedelta(minutes=5))
