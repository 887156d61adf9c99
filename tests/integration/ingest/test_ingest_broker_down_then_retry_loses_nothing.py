"""With the broker stopped ingest answers 503 with Retry-After, never 202 and never hangs; once
the broker is back, clients that retry get every event in, none lost, and copies only of ids the
engine drops."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from waymark.core.adapters.kafka.topics import Topic, ensure_topics, topic_specs
from waymark.core.settings import KafkaSettings

from .conftest import PrivateBroker
from .support import decoded, ingest_settings, read_topic, running_ingest

WORKERS = 4
EVENTS_PER_WORKER = 60
PRODUCE_TIMEOUT = 2.0


async def _create_topics(kafka: KafkaSettings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        report = await ensure_topics(admin, topic_specs(kafka.topic_prefix, kafka.partitions))
        assert report.ok, report.mismatches
    finally:
        await admin.close()


class RetryingClient:
    """Sends each call until it is accepted, honouring Retry-After; records what it saw."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.statuses: Counter[int] = Counter()
        self.slowest = 0.0
        self.accepted: list[str] = []

    async def send(self, path: str, body: dict[str, Any], ids: list[str]) -> None:
        while True:
            started = time.monotonic()
            response = await self.http.post(path, json=body)
            self.slowest = max(self.slowest, time.monotonic() - started)
            self.statuses[response.status_code] += 1
            if response.status_code == 202:
                assert response.json()["messageIds"] == ids
                self.accepted.extend(ids)
                return
            assert response.status_code == 503, response.text
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["errors"][0]["reason"].endswith("retry later")
            # Honour Retry-After, shortened so the test does not idle.
            await asyncio.sleep(0.3)


def _now() -> str:
    # Set once per event by the client, as Segment libraries do, so a retry is the same event.
    return datetime.now(UTC).isoformat()


async def _worker(client: RetryingClient, worker: int) -> None:
    for n in range(EVENTS_PER_WORKER):
        if n % 10 == 9:
            ids = [f"w{worker}-e{n}-b{i}" for i in range(5)]
            batch = [
                {
                    "type": "track",
                    "userId": f"c{worker}",
                    "event": "viewed",
                    "messageId": i,
                    "properties": {"n": n},
                    "timestamp": _now(),
                }
                for i in ids
            ]
            await client.send("/v1/batch", {"batch": batch}, ids)
        else:
            ids = [f"w{worker}-e{n}"]
            body = {
                "userId": f"c{worker}",
                "event": "clicked",
                "messageId": ids[0],
                "properties": {"n": n},
                "timestamp": _now(),
            }
            await client.send("/v1/track", body, ids)
        await asyncio.sleep(0.03)


async def _watch_readiness(
    http: httpx.AsyncClient, seen: Counter[int], stop: asyncio.Event
) -> None:
    while not stop.is_set():
        seen[(await http.get("/readyz")).status_code] += 1
        await asyncio.sleep(0.1)


async def test_broker_outage_gives_503_and_retries_lose_nothing(
    private_broker: PrivateBroker, unique: str
) -> None:
    kafka = KafkaSettings(
        bootstrap=private_broker.bootstrap, topic_prefix=f"t{unique}.", partitions=3
    )
    await _create_topics(kafka)
    settings = ingest_settings(produce_timeout_seconds=PRODUCE_TIMEOUT)
    async with running_ingest(kafka, settings) as ingest:
        client = RetryingClient(ingest.http)
        readiness: Counter[int] = Counter()
        stop_watching = asyncio.Event()
        watcher = asyncio.create_task(_watch_readiness(ingest.http, readiness, stop_watching))
        workers = [asyncio.create_task(_worker(client, w)) for w in range(WORKERS)]

        await asyncio.sleep(1.0)
        await asyncio.to_thread(private_broker.stop)
        await asyncio.sleep(3.0)
        down_statuses = dict(client.statuses)
        await asyncio.to_thread(private_broker.start)

        async with asyncio.timeout(120):
            await asyncio.gather(*workers)
        stop_watching.set()
        await watcher

    print(
        f"statuses seen by the clients: {dict(client.statuses)}; readiness: {dict(readiness)}; "
        f"slowest answer {client.slowest:.2f} s"
    )
    assert client.statuses[503] > 0, down_statuses
    assert set(client.statuses) == {202, 503}
    # Bounded waits: no answer took much longer than the produce timeout.
    assert client.slowest < PRODUCE_TIMEOUT + 2.0
    assert readiness[503] > 0
    assert readiness[200] > 0

    expected = {
        f"w{w}-e{n}" for w in range(WORKERS) for n in range(EVENTS_PER_WORKER) if n % 10 != 9
    }
    expected |= {
        f"w{w}-e{n}-b{i}"
        for w in range(WORKERS)
        for n in range(9, EVENTS_PER_WORKER, 10)
        for i in range(5)
    }
    assert sorted(client.accepted) == sorted(expected)

    values = decoded(await read_topic(kafka, Topic.EVENTS))
    ids = Counter(v["event_id"] for v in values)
    assert set(ids) == expected, f"lost: {sorted(expected - set(ids))[:10]}"
    copies = {i: n for i, n in ids.items() if n > 1}
    print(
        f"{len(values)} records for {len(expected)} events; {len(copies)} ids written twice "
        "(requests refused while their records were still in the producer)"
    )
    # A copy is the same event under the same id, so the engine's dedupe drops it losslessly.
    by_id: dict[str, dict[str, Any]] = {}
    for value in values:
        content = {k: v for k, v in value.items() if k != "received_at"}
        assert by_id.setdefault(value["event_id"], content) == content
