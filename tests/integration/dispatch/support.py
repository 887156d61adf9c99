"""What the channel-dispatch integration tests share: commands, topics, outcomes, processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from waymark.channel_dispatch.bootstrap import Service, build_service
from waymark.channel_dispatch.settings import DispatchSettings
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import AvroCodec, DispatchOutcome, SendCommand
from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.core.templates import Template

CODEC = AvroCodec.static()


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SinkAddresses(Protocol):
    """Where the SMTP and provider sinks listen (in this process or their own)."""

    @property
    def host(self) -> str:
        """The loopback address of both sinks."""
        ...

    @property
    def smtp_port(self) -> int:
        """The SMTP sink's port."""
        ...

    @property
    def http_url(self) -> str:
        """The provider sink's base URL."""
        ...


class SinkProcess:
    """`python -m waymark.channel_dispatch.sinks` as its own process, driven over its HTTP API."""

    def __init__(self, log: Path) -> None:
        self.host = "127.0.0.1"
        self.smtp_port = free_port()
        self.http_port = free_port()
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        """Base URL of the provider sink and of the control API."""
        return f"http://{self.host}:{self.http_port}"

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self._log.open("ab") as sink:
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "waymark.channel_dispatch.sinks",
                    "--smtp-port",
                    str(self.smtp_port),
                    "--http-port",
                    str(self.http_port),
                ],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    async def __aenter__(self) -> SinkProcess:
        self._process = self._spawn()
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                assert self._process.poll() is None, self._log.read_text(errors="replace")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.http_url}/healthz")).status_code == 200:
                        return self
                await asyncio.sleep(0.1)
        raise AssertionError("the sinks did not start")

    async def __aexit__(self, *exc: Any) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            await exited(self._process, 30)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.http_url, timeout=30) as client:
            response = await client.request(method, path, **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    async def mail_fault(self, **fault: Any) -> None:
        """Have the SMTP sink answer as `fault` says (the fields of `MailFault`)."""
        await self._call("POST", "/smtp/faults", json=fault)

    async def emails(self) -> list[dict[str, Any]]:
        """Every email the SMTP sink accepted, parsed (headers, subject, text, html)."""
        return list((await self._call("GET", "/smtp/messages"))["messages"])

    async def texts(self) -> list[dict[str, Any]]:
        """Every SMS the provider sink accepted."""
        return list((await self._call("GET", "/sms/messages"))["messages"])


def dispatch_settings(sinks: SinkAddresses, unique: str, **overrides: Any) -> DispatchSettings:
    """Settings pointing every provider at the sinks, with short waits for tests."""
    values: dict[str, Any] = {
        "group_id": f"dispatch-{unique}",
        "smtp_host": sinks.host,
        "smtp_port": sinks.smtp_port,
        "sms_base_url": sinks.http_url,
        "push_base_url": sinks.http_url,
        "webhook_url": f"{sinks.http_url}/webhooks/waymark",
        "http_port": free_port(),
        "retry_base_s": 0.05,
        "retry_max_s": 0.5,
        "heartbeat_s": 0.5,
        "owner_stale_s": 2.0,
        "http_timeout_s": 2.0,
        "smtp_timeout_s": 2.0,
        "template_cache_s": 0.0,
    }
    values["public_url"] = f"http://127.0.0.1:{values['http_port']}"
    values.update(overrides)
    return DispatchSettings(**values)


def template(
    template_id: str, category: str = "transactional", **channels: dict[str, Any]
) -> Template:
    """A template with the given channel parts (a default email part when none is given)."""
    parts = channels or {
        "email": {
            "subject": "Hello {{ profile.first_name }}",
            "html": "<p>Order {{ entry.properties.order_id }} for {{ profile.first_name }}</p>",
            "text": "Order {{ entry.properties.order_id }} for {{ profile.first_name }}",
        }
    }
    return Template.model_validate(
        {"id": template_id, "category": category, "channels": parts, "version": 1}
    )


async def store_templates(database: Any, *templates: Template) -> None:
    """Insert templates the way the management API stores them."""
    for item in templates:
        await database["templates"].insert_one(item.to_document())


def command(
    n: int,
    *,
    channel: str = "email",
    category: str = "transactional",
    template_id: str = "receipt",
    recipient: dict[str, Any] | None = None,
    consent: bool = True,
    expires_in: timedelta | None = None,
    command_id: str | None = None,
) -> SendCommand:
    """Command number `n` for customer `c<n>`, addressed on every channel by default."""
    now = datetime.now(UTC)
    return SendCommand(
        command_id=command_id or uuid.uuid4().hex,
        customer_id=f"c{n}",
        journey_id="j-test",
        journey_version=1,
        entry_id=f"e{n}",
        step_id="send",
        attempt=1,
        channel=channel,  # type: ignore[arg-type]
        template=template_id,
        category=category,  # type: ignore[arg-type]
        consent_granted=consent,
        recipient=recipient
        if recipient is not None
        else {
            "email": f"customer{n}@example.com",
            "phone": f"+1555{n:07d}",
            "push_token": f"token-{n}",
            "first_name": f"Ann{n}",
        },
        entry={"name": "order_completed", "properties": {"order_id": f"o{n}"}},
        event=None,
        created_at=now,
        expires_at=now + expires_in if expires_in is not None else None,
    )


def lane_topic(kafka: KafkaSettings, category: str) -> str:
    """The command topic of a lane under the test's prefix."""
    topic = Topic.COMMANDS_MARKETING if category == "marketing" else Topic.COMMANDS_TRANSACTIONAL
    return topic_name(topic, kafka.topic_prefix)


async def produce(kafka: KafkaSettings, commands: Iterable[SendCommand]) -> None:
    """Put commands on their lanes' topics, keyed by customer, and wait for the acks."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, linger_ms=5)
    await producer.start()
    try:
        futures = []
        for cmd in commands:
            topic = lane_topic(kafka, cmd.category)
            value = CODEC.encode(topic, cmd.to_avro())
            futures.append(await producer.send(topic, value, key=cmd.customer_id.encode()))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def produce_packed(kafka: KafkaSettings, commands: Iterable[SendCommand]) -> int:
    """Put many commands on their lanes' topics fast: full record batches, one per partition at
    a time, keyed and partitioned as `produce` does; the number of records acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    await producer.start()
    try:
        partitioner = DefaultPartitioner()
        partitions: dict[str, list[int]] = {}
        batches: dict[tuple[str, int], Any] = {}
        pending: list[asyncio.Future[Any]] = []
        count = 0
        for cmd in commands:
            topic = lane_topic(kafka, cmd.category)
            if topic not in partitions:
                partitions[topic] = sorted(await producer.partitions_for(topic))
            key = cmd.customer_id.encode()
            where = (topic, partitioner(key, partitions[topic], partitions[topic]))
            value = CODEC.encode(topic, cmd.to_avro())
            batch = batches.setdefault(where, producer.create_batch())
            if batch.append(key=key, value=value, timestamp=None) is None:
                # Full: send it, and start the partition's next batch with this record.
                pending.append(await producer.send_batch(batch, topic, partition=where[1]))
                batch = batches[where] = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None)
            count += 1
            if len(pending) >= 32:
                await asyncio.gather(*pending)
                pending.clear()
        for (topic, partition), batch in batches.items():
            pending.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*pending)
        return count
    finally:
        await producer.stop()


async def produce_raw(kafka: KafkaSettings, topic: str, value: bytes, key: bytes) -> None:
    """Put raw bytes on a topic."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


class Outcomes:
    """Reads waymark.outcomes.v1 as the engine does (read_committed), from the start."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self._consumer = AIOKafkaConsumer(
            topic_name(Topic.OUTCOMES, kafka.topic_prefix),
            bootstrap_servers=kafka.bootstrap,
            group_id=f"outcomes-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        self.seen: list[DispatchOutcome] = []

    async def __aenter__(self) -> Outcomes:
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._consumer.stop()

    async def until(
        self, done: Callable[[list[DispatchOutcome]], bool], within: float = 60.0
    ) -> list[DispatchOutcome]:
        """Read until `done(seen)` holds; AssertionError after `within` seconds."""
        deadline = time.monotonic() + within
        while not done(self.seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out with {len(self.seen)} outcomes")
            batch = await self._consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for record in records:
                    self.seen.append(CODEC.decode_as(record.value, DispatchOutcome))
        return self.seen

    async def count(self, n: int, within: float = 60.0) -> list[DispatchOutcome]:
        """Read until at least `n` outcomes arrived."""
        return await self.until(lambda seen: len(seen) >= n, within)

    async def settle(self, seconds: float = 1.5) -> list[DispatchOutcome]:
        """Keep reading for a while, to catch outcomes that should not exist."""
        deadline = time.monotonic() + seconds
        await self.until(lambda _: time.monotonic() > deadline, seconds + 5)
        return self.seen


def by_command(outcomes: Iterable[DispatchOutcome]) -> dict[str, list[DispatchOutcome]]:
    """Outcomes grouped by command id."""
    grouped: dict[str, list[DispatchOutcome]] = {}
    for outcome in outcomes:
        grouped.setdefault(outcome.command_id or "", []).append(outcome)
    return grouped


@contextlib.asynccontextmanager
async def running(
    settings: DispatchSettings, kafka: KafkaSettings, mongo: MongoSettings, **kwargs: Any
) -> AsyncIterator[Service]:
    """channel-dispatch running in this event loop until the block ends."""
    service = build_service(settings=settings, kafka=kafka, mongo=mongo, **kwargs)
    stopping = asyncio.Event()
    task = asyncio.create_task(service.run(stopping))
    try:
        await wait_ready(settings, task)
        yield service
    finally:
        stopping.set()
        await asyncio.wait_for(task, timeout=60)


async def wait_ready(settings: DispatchSettings, task: asyncio.Task[None] | None = None) -> None:
    """Wait until /readyz answers 200 (and the service task, if given, is alive)."""
    url = f"http://127.0.0.1:{settings.http_port}/readyz"
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if task is not None and task.done():
                task.result()
                raise AssertionError("the service stopped before it was ready")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError("channel-dispatch did not become ready")


def dispatcher_env(
    kafka: KafkaSettings, mongo: MongoSettings, sinks: SinkAddresses, unique: str, **extra: str
) -> dict[str, str]:
    """The environment of a `python -m waymark.channel_dispatch` against the test's stack."""
    settings = dispatch_settings(sinks, unique)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WAYMARK_DISPATCH_", "WAYMARK_KAFKA_", "WAYMARK_MONGO_"))
    }
    env.update(
        {
            "WAYMARK_KAFKA_BOOTSTRAP": kafka.bootstrap,
            "WAYMARK_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
            "WAYMARK_MONGO_URL": mongo.url,
            "WAYMARK_MONGO_DATABASE": mongo.database,
            "WAYMARK_DISPATCH_GROUP_ID": settings.group_id,
            "WAYMARK_DISPATCH_INSTANCE_ID": f"dispatch-{unique}",
            "WAYMARK_DISPATCH_SMTP_PORT": str(sinks.smtp_port),
            "WAYMARK_DISPATCH_SMS_BASE_URL": sinks.http_url,
            "WAYMARK_DISPATCH_PUSH_BASE_URL": sinks.http_url,
            "WAYMARK_DISPATCH_WEBHOOK_URL": f"{sinks.http_url}/webhooks/waymark",
            "WAYMARK_DISPATCH_HTTP_PORT": str(settings.http_port),
            "WAYMARK_DISPATCH_PUBLIC_URL": settings.public_url,
            "WAYMARK_DISPATCH_HEARTBEAT_S": "0.5",
            "WAYMARK_DISPATCH_OWNER_STALE_S": "2",
            "WAYMARK_DISPATCH_SMS_RATE": "2000",
            **extra,
        }
    )
    return env


def start_dispatcher(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """channel-dispatch as its own process, logging to `log`."""
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "waymark.channel_dispatch"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


async def exited(process: subprocess.Popen[bytes], within: float) -> int:
    """Wait for the process to end without blocking the sinks in this event loop."""
    deadline = time.monotonic() + within
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the dispatcher did not exit")
        await asyncio.sleep(0.05)
    return int(process.returncode)
