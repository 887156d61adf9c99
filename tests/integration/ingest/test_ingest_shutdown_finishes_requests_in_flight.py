"""On shutdown the server stops taking requests, lets those in flight get their broker
acknowledgement and 202, then flushes and stops the producer: nothing answered 202 is lost."""

from __future__ import annotations

import asyncio
import socket

import httpx
import uvicorn

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.settings import KafkaSettings
from waymark.trigger_ingest.bootstrap import bootstrap

from .support import WRITE_KEY, decoded, ingest_settings, read_topic, until, until_ready

REQUESTS = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_requests_in_flight_at_shutdown_complete_and_are_on_the_topic(
    kafka_topics: KafkaSettings,
) -> None:
    app = bootstrap(ingest_settings(), kafka_topics)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=10,
        )
    )
    serving = asyncio.create_task(server.serve())
    limits = httpx.Limits(max_connections=REQUESTS)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", auth=(WRITE_KEY, ""), limits=limits, timeout=20
    ) as http:

        async def started() -> bool:
            return server.started

        await until(started, 30)
        await until_ready(http)

        async def call(n: int) -> int | None:
            body = {"userId": f"c{n % 7}", "event": "clicked", "messageId": f"m{n}"}
            try:
                return (await http.post("/v1/track", json=body)).status_code
            except httpx.TransportError:
                return None  # refused: the server had stopped accepting connections

        calls = [asyncio.create_task(call(n)) for n in range(REQUESTS)]

        # Shut down while the server is working on many requests (uvicorn's request tasks).
        async def busy() -> bool:
            return len(server.server_state.tasks) >= 5

        await until(busy, 10, every=0.001)
        in_flight = len(server.server_state.tasks)
        server.should_exit = True
        statuses = await asyncio.gather(*calls)
    async with asyncio.timeout(30):
        await serving

    accepted = {f"m{n}" for n, status in enumerate(statuses) if status == 202}
    print(
        f"{in_flight} in flight at shutdown; {len(accepted)} accepted, "
        f"{statuses.count(None)} refused at the door"
    )
    assert set(statuses) <= {202, None}
    # Every request being served when shutdown began got its 202.
    assert len(accepted) >= in_flight
    on_topic = {v["event_id"] for v in decoded(await read_topic(kafka_topics, Topic.EVENTS))}
    assert accepted <= on_topic
