"""Runs real engine workers as processes and talks to them through the real broker."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from served import stop_gracefully

from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import (
    AvroCodec,
    CustomerEvent,
    JourneyVersion,
    WireModel,
    definition_checksum,
)
from waymark.core.settings import KafkaSettings

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class WorkerProcess:
    """One `waymark-engine-worker` process with its own data dir and web port."""

    kafka: KafkaSettings
    app_id: str
    data_dir: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        """Start the process (it resumes from the changelog and committed offsets)."""
        env = dict(os.environ)
        env.update(
            {
                "WAYMARK_KAFKA_BOOTSTRAP": self.kafka.bootstrap,
                "WAYMARK_KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
                "WAYMARK_KAFKA_PARTITIONS": str(self.kafka.partitions),
                "WAYMARK_ENGINE_WORKER_APP_ID": self.app_id,
                "WAYMARK_ENGINE_WORKER_DATA_DIR": str(self.data_dir),
                "WAYMARK_ENGINE_WORKER_WEB_PORT": str(self.port),
                "WAYMARK_ENGINE_WORKER_SESSION_TIMEOUT": "6",
                "WAYMARK_ENGINE_WORKER_LOG_LEVEL": "INFO",
            }
        )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(BIN / "waymark-engine-worker")], env=env, stdout=log, stderr=log
        )
        return self

    def ready(self) -> bool:
        """Whether /readyz answers 200."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    async def wait_ready(self, within: float = 60) -> None:
        """Wait for readiness, failing with the log tail."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            if self.ready():
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"worker not ready; log tail:\n{self.log_tail()}")

    def metrics(self) -> str:
        """The /metrics text."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as r:
            return str(r.read().decode())

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the process log."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM and wait for a clean stop."""
        stop_gracefully(self.proc, within=60)


class Bus:
    """Produces inputs and reads outputs of the engine under one topic prefix."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.kafka = kafka
        self.codec = AvroCodec.static()
        self.producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")

    async def __aenter__(self) -> Bus:
        await self.producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.producer.stop()

    def topic(self, topic: Topic) -> str:
        """The physical topic name."""
        return topic_name(topic, self.kafka.topic_prefix)

    async def publish_journey(
        self, definition: dict[str, Any], version: int = 1, status: str = "active"
    ) -> None:
        """Publish a journey version as the management API does."""
        record = JourneyVersion(
            journey_id=definition["id"],
            version=version,
            status=status,  # type: ignore[arg-type]
            type=definition.get("type", "marketing"),
            definition=definition,
            published_at=datetime.now(UTC),
            checksum=definition_checksum(definition),
        )
        await self.producer.send_and_wait(
            self.topic(Topic.JOURNEYS),
            self.codec.encode_model(record),
            key=f"{definition['id']}/{version}".encode(),
        )

    async def send(self, topic: Topic, model: WireModel, customer_id: str) -> None:
        """Produce one input keyed by its customer."""
        await self.producer.send_and_wait(
            self.topic(topic), self.codec.encode_model(model), key=customer_id.encode()
        )

    async def event(self, customer_id: str, kind: str, **fields: Any) -> CustomerEvent:
        """Produce a CustomerEvent (identify, track, consent, api_trigger)."""
        now = datetime.now(UTC)
        fields.setdefault("event_id", f"{customer_id}-{kind}-{time.monotonic_ns()}")
        event = CustomerEvent(
            customer_id=customer_id, type=kind, timestamp=now, received_at=now, **fields
        )
        await self.send(Topic.EVENTS, event, customer_id)
        return event


class Reader:
    """Reads every partition of an output topic from the beginning, decoding values."""

    def __init__(self, kafka: KafkaSettings, topic: Topic) -> None:
        self.name = topic_name(topic, kafka.topic_prefix)
        self.kafka = kafka
        self.codec = AvroCodec.static()
        self.records: list[Any] = []
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka.bootstrap, enable_auto_commit=False
        )

    async def __aenter__(self) -> Reader:
        await self.consumer.start()
        tps = [TopicPartition(self.name, p) for p in range(self.kafka.partitions)]
        self.consumer.assign(tps)
        await self.consumer.seek_to_beginning(*tps)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def poll(self) -> None:
        """Read what is there now."""
        batch = await self.consumer.getmany(timeout_ms=200)
        for records in batch.values():
            self.records.extend(self.codec.decode_model(r.value) for r in records)

    async def until(
        self, predicate: Callable[[list[Any]], bool], within: float = 30, what: str = ""
    ) -> list[Any]:
        """Poll until `predicate(records)` holds; fail naming `what` otherwise."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            await self.poll()
            if predicate(self.records):
                return self.records
        shown = json.dumps([repr(r) for r in self.records[-10:]], indent=1)
        raise AssertionError(f"timed out waiting for {what or 'records'} on {self.name}: {shown}")
