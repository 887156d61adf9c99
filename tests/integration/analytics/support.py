"""What the analytics integration tests share: the service as a process, producing records,
waiting for the consumer group to catch up, and a snapshot of every endpoint."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from served import stop_gracefully

from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import (
    AvroCodec,
    CustomerEvent,
    DispatchOutcome,
    JourneyVersion,
    WireModel,
    definition_checksum,
)
from waymark.core.settings import KafkaSettings

BIN = Path(sys.executable).parent
CODEC = AvroCodec.static()
AGGREGATED = (Topic.TRANSITIONS, Topic.OUTCOMES, Topic.EVENTS)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AnalyticsProcess:
    """One `waymark-analytics` process (serve, or API only with `consume=False`)."""

    kafka: KafkaSettings
    mongo_url: str
    database: str
    group_id: str
    log_path: Path
    consume: bool = True
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The base URL of the API."""
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The variables the process is configured by."""
        env = dict(os.environ)
        env.update(
            {
                "WAYMARK_KAFKA_BOOTSTRAP": self.kafka.bootstrap,
                "WAYMARK_KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
                "WAYMARK_KAFKA_PARTITIONS": str(self.kafka.partitions),
                "WAYMARK_MONGO_URL": self.mongo_url,
                "WAYMARK_ANALYTICS_DATABASE": self.database,
                "WAYMARK_ANALYTICS_GROUP_ID": self.group_id,
                "WAYMARK_ANALYTICS_PORT": str(self.port),
                "WAYMARK_ANALYTICS_HOST": "127.0.0.1",
                "WAYMARK_ANALYTICS_CONSUME": "true" if self.consume else "false",
                "WAYMARK_ANALYTICS_POLL_TIMEOUT_MS": "200",
            }
        )
        return env

    def start(self) -> AnalyticsProcess:
        """Start serving (and consuming)."""
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(BIN / "waymark-analytics")], env=self.environment(), stdout=log, stderr=log
        )
        return self

    def status(self, path: str) -> int:
        """The status code of a GET, or 0 when nothing answers."""
        try:
            return httpx.get(f"{self.url}{path}", timeout=2).status_code
        except httpx.HTTPError:
            return 0

    async def wait_ready(self, within: float = 60) -> None:
        """Wait for /readyz, failing with the log tail."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            if self.status("/readyz") == 200:
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"analytics not ready; log tail:\n{self.log_tail()}")

    def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        """GET a JSON body, asserting the status code."""
        response = httpx.get(f"{self.url}{path}", params=params, timeout=30)
        assert response.status_code == expect, (path, response.status_code, response.text)
        return response.json()

    def metrics(self) -> str:
        """The /metrics text."""
        return httpx.get(f"{self.url}/metrics", timeout=5).text

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the process log."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM, and SIGKILL when it does not stop in time."""
        stop_gracefully(self.proc)


class Records:
    """Produces wire records, keyed by customer, onto the test's topics."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.kafka = kafka
        self.producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")

    async def __aenter__(self) -> Records:
        await self.producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.producer.stop()

    def topic(self, topic: Topic) -> str:
        """The physical name of a topic."""
        return topic_name(topic, self.kafka.topic_prefix)

    async def send_raw(self, topic: Topic, values: Iterable[tuple[bytes, bytes]]) -> None:
        """Produce (key, value) pairs and wait for every acknowledgement."""
        futures = [
            await self.producer.send(self.topic(topic), value, key=key) for key, value in values
        ]
        await asyncio.gather(*futures)

    async def send(self, topic: Topic, models: Sequence[WireModel]) -> None:
        """Produce wire models keyed by their customer id."""
        await self.send_raw(
            topic,
            ((m.customer_id.encode(), CODEC.encode_model(m)) for m in models),  # type: ignore[attr-defined]
        )

    async def journey(self, definition: dict[str, Any], version: int = 1) -> None:
        """Publish a journey version as the management API does."""
        record = JourneyVersion(
            journey_id=definition["id"],
            version=version,
            status="active",
            type=definition.get("type", "marketing"),
            definition=definition,
            published_at=datetime.now(UTC),
            checksum=definition_checksum(definition),
        )
        await self.producer.send_and_wait(
            self.topic(Topic.JOURNEYS),
            CODEC.encode_model(record),
            key=f"{definition['id']}/{version}".encode(),
        )


async def read_all(kafka: KafkaSettings, topic: Topic) -> list[tuple[bytes, bytes]]:
    """Every (key, value) of a topic, from the beginning to its current end."""
    name = topic_name(topic, kafka.topic_prefix)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(name, p) for p in range(kafka.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: list[tuple[bytes, bytes]] = []
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                found += [(r.key or b"", r.value or b"") for r in records]
        return found
    finally:
        await consumer.stop()


async def wait_caught_up(kafka: KafkaSettings, group_id: str, within: float = 120) -> None:
    """Wait until the group committed the end of every partition of the aggregated topics."""
    tps = [
        TopicPartition(topic_name(t, kafka.topic_prefix), p)
        for t in AGGREGATED
        for p in range(kafka.partitions)
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        deadline = time.monotonic() + within
        behind: dict[TopicPartition, tuple[int, int]] = {}
        while time.monotonic() < deadline:
            ends = await consumer.end_offsets(tps)
            committed = await admin.list_consumer_group_offsets(group_id)
            behind = {
                tp: (committed[tp].offset if tp in committed else 0, end)
                for tp, end in ends.items()
                if end > (committed[tp].offset if tp in committed else 0)
            }
            if not behind:
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"group {group_id} still behind: {behind}")
    finally:
        await consumer.stop()
        await admin.close()


def event(customer: str, kind: str, at: datetime | None = None, **fields: Any) -> CustomerEvent:
    """A CustomerEvent with a unique id."""
    now = at or datetime.now(UTC)
    fields.setdefault("event_id", f"{customer}-{kind}-{time.monotonic_ns()}")
    return CustomerEvent(customer_id=customer, type=kind, timestamp=now, received_at=now, **fields)  # type: ignore[arg-type]


def outcome(command: Any, status: str, n: int = 0, reason: str | None = None) -> DispatchOutcome:
    """The outcome of a SendCommand, as channel-dispatch or a provider webhook reports it."""
    return DispatchOutcome(
        outcome_id=f"{command.command_id}-{status}-{n}",
        command_id=command.command_id,
        customer_id=command.customer_id,
        journey_id=command.journey_id,
        journey_version=command.journey_version,
        entry_id=command.entry_id,
        step_id=command.step_id,
        channel=command.channel,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        provider="smtp" if command.channel == "email" else command.channel,
        at=datetime.now(UTC),
    )


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run `waymark-analytics ARGS`: (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        str(BIN / "waymark-analytics"),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 300)
    return int(proc.returncode or 0), out.decode(), err.decode()


def snapshot(
    api: AnalyticsProcess, journeys: Sequence[str], customers: Sequence[str], until: str
) -> dict[str, Any]:
    """Every endpoint's answer for these journeys and customers (what must never drift);
    time series end on `until` (a fixed day, so a snapshot taken later still compares)."""
    found: dict[str, Any] = {
        f"stats/{kind}": api.get("/v1/journeys/stats", type=kind)
        for kind in ("marketing", "transactional")
    }
    for journey in journeys:
        for view in ("summary", "steps", "funnel", "messages"):
            found[f"{journey}/{view}"] = api.get(f"/v1/journeys/{journey}/{view}")
        for metric in ("entries", "exited", "converted", "suppressed", "sent", "opened"):
            found[f"{journey}/timeseries/{metric}"] = api.get(
                f"/v1/journeys/{journey}/timeseries", metric=metric, days=3, until=until
            )
    for customer in customers:
        found[f"trace/{customer}"] = api.get(f"/v1/customers/{customer}/trace")
    return found
