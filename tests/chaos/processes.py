"""The platform as real processes: sinks, trigger-ingest, engine worker, dispatch, analytics.

Every service runs as its own child process with the environment `make run` would give it,
on the test's topic prefix, consumer groups, database and free loopback ports, so a fault is
real: SIGKILL ends a process with no shutdown hook, and a stopped broker or database is seen
by the services' own clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from waymark.core.settings import KafkaSettings

BIN = Path(sys.executable).parent
WRITE_KEY = "chaos-write-key"
SERVICES = ("sinks", "ingest", "worker", "dispatch", "analytics")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """One child process, its log, and the URL that says it is ready."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    ready_path: str
    port: int
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    @property
    def url(self) -> str:
        """Base URL of its HTTP surface."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Service:
        """Start (or restart) the process; it resumes from committed offsets and its store."""
        assert not self.running, f"{self.name} runs already"
        with self.log_path.open("ab") as log:
            log.write(f"\n--- start {self.starts + 1} ---\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.starts += 1
        return self

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no final commit, no flush."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self.kills += 1

    def stop(self, within: float = 30) -> None:
        """SIGTERM, and SIGKILL when it does not stop in time."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    async def is_ready(self) -> bool:
        """Whether its readiness URL answers 200 now."""
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(self.url + self.ready_path)).status_code == 200
        except httpx.HTTPError:
            return False

    async def wait_ready(self, within: float = 90) -> None:
        """Wait for readiness; fail with the log tail when it does not come or the process ends."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if not self.running:
                break
            if await self.is_ready():
                return
            await asyncio.sleep(0.25)
        raise AssertionError(f"{self.name} not ready; last lines of its log:\n{self.log_tail()}")

    async def metrics(self) -> str:
        """Its /metrics text ('' when it does not answer)."""
        try:
            async with httpx.AsyncClient(timeout=3) as client:
                return (await client.get(f"{self.url}/metrics")).text
        except httpx.HTTPError:
            return ""

    def log_text(self) -> str:
        """Everything it logged."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of its log."""
        return "\n".join(self.log_text().splitlines()[-lines:])


@dataclass
class Platform:
    """Every service of one test, wired to its topics, groups, database and ports."""

    kafka: KafkaSettings
    mongo_url: str
    database: str
    workdir: Path
    token: str
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    """Extra environment per service name."""
    services: dict[str, Service] = field(default_factory=dict)
    smtp_port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        sink_port = free_port()
        sink_url = f"http://127.0.0.1:{sink_port}"
        ports = {name: free_port() for name in SERVICES if name != "sinks"}
        common = self._base_env()
        specs: dict[str, tuple[list[str], str, int, dict[str, str]]] = {
            "sinks": (
                [
                    str(BIN / "python"),
                    "-m",
                    "waymark.channel_dispatch.sinks",
                    "--smtp-port",
                    str(self.smtp_port),
                    "--http-port",
                    str(sink_port),
                ],
                "/healthz",
                sink_port,
                {},
            ),
            "ingest": (
                [str(BIN / "waymark-ingest")],
                "/readyz",
                ports["ingest"],
                {
                    "WAYMARK_INGEST_HOST": "127.0.0.1",
                    "WAYMARK_INGEST_PORT": str(ports["ingest"]),
                    "WAYMARK_INGEST_WRITE_KEYS": json.dumps({"chaos": WRITE_KEY}),
                    "WAYMARK_INGEST_PRODUCE_TIMEOUT_SECONDS": "3",
                    "WAYMARK_INGEST_PROBE_INTERVAL_SECONDS": "0.25",
                    "WAYMARK_INGEST_RETRY_AFTER_SECONDS": "1",
                },
            ),
            "worker": (
                [str(BIN / "waymark-engine-worker")],
                "/readyz",
                ports["worker"],
                {
                    "WAYMARK_ENGINE_WORKER_APP_ID": f"engine-{self.token}",
                    "WAYMARK_ENGINE_WORKER_DATA_DIR": str(self.workdir / "engine"),
                    "WAYMARK_ENGINE_WORKER_WEB_PORT": str(ports["worker"]),
                    "WAYMARK_ENGINE_WORKER_SESSION_TIMEOUT": "6",
                },
            ),
            "dispatch": (
                [str(BIN / "waymark-dispatch")],
                "/readyz",
                ports["dispatch"],
                {
                    "WAYMARK_DISPATCH_GROUP_ID": f"dispatch-{self.token}",
                    "WAYMARK_DISPATCH_INSTANCE_ID": f"dispatch-{self.token}",
                    "WAYMARK_DISPATCH_HTTP_PORT": str(ports["dispatch"]),
                    "WAYMARK_DISPATCH_PUBLIC_URL": f"http://127.0.0.1:{ports['dispatch']}",
                    "WAYMARK_DISPATCH_SMTP_PORT": str(self.smtp_port),
                    "WAYMARK_DISPATCH_SMS_BASE_URL": sink_url,
                    "WAYMARK_DISPATCH_PUSH_BASE_URL": sink_url,
                    "WAYMARK_DISPATCH_WEBHOOK_URL": f"{sink_url}/webhooks/waymark",
                    "WAYMARK_DISPATCH_HEARTBEAT_S": "0.5",
                    "WAYMARK_DISPATCH_OWNER_STALE_S": "2",
                    "WAYMARK_DISPATCH_RETRY_BASE_S": "0.1",
                    "WAYMARK_DISPATCH_RETRY_MAX_S": "1",
                    "WAYMARK_DISPATCH_HTTP_TIMEOUT_S": "2",
                    "WAYMARK_DISPATCH_SMTP_TIMEOUT_S": "5",
                    "WAYMARK_DISPATCH_BREAKER_RESET_S": "1",
                    "WAYMARK_DISPATCH_SMS_RATE": "500",
                    "WAYMARK_DISPATCH_PUSH_RATE": "500",
                },
            ),
            "analytics": (
                [str(BIN / "waymark-analytics")],
                "/readyz",
                ports["analytics"],
                {
                    "WAYMARK_ANALYTICS_HOST": "127.0.0.1",
                    "WAYMARK_ANALYTICS_PORT": str(ports["analytics"]),
                    "WAYMARK_ANALYTICS_DATABASE": self.database,
                    "WAYMARK_ANALYTICS_GROUP_ID": f"analytics-{self.token}",
                    "WAYMARK_ANALYTICS_POLL_TIMEOUT_MS": "200",
                    "WAYMARK_ANALYTICS_RETRY_SECONDS": "1",
                },
            ),
        }
        for name, (argv, ready, port, extra) in specs.items():
            self.services[name] = Service(
                name,
                argv,
                {**common, **extra, **self.overrides.get(name, {})},
                self.workdir / f"{name}.log",
                ready,
                port,
            )

    def _base_env(self) -> dict[str, str]:
        # Nothing of the shared stack's addresses leaks in: each test names its own.
        env = {k: v for k, v in os.environ.items() if not k.startswith("WAYMARK_")}
        env.update(
            {
                "WAYMARK_KAFKA_BOOTSTRAP": self.kafka.bootstrap,
                "WAYMARK_KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
                "WAYMARK_KAFKA_PARTITIONS": str(self.kafka.partitions),
                "WAYMARK_MONGO_URL": self.mongo_url,
                "WAYMARK_MONGO_DATABASE": self.database,
            }
        )
        return env

    def __getitem__(self, name: str) -> Service:
        return self.services[name]

    @property
    def sink_url(self) -> str:
        """Base URL of the provider sink (its listings and fault control)."""
        return self.services["sinks"].url

    @property
    def ingest_url(self) -> str:
        """Base URL of trigger-ingest."""
        return self.services["ingest"].url

    async def start(self, names: Iterable[str] = SERVICES) -> None:
        """Start the named services together and wait until every one is ready."""
        started = [self.services[name].start() for name in names]
        await asyncio.gather(*(service.wait_ready() for service in started))

    def stop(self) -> None:
        """Stop every service that still runs (consumers first, the sinks last)."""
        for name in reversed(SERVICES):
            self.services[name].stop()

    def dead(self) -> list[str]:
        """Services started once and no longer running (each should be alive)."""
        return [s.name for s in self.services.values() if s.starts and not s.running]
