"""The processes `bench/dispatch.py` measures: the sinks and channel-dispatch, one per lane."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from waymark.core.settings import KafkaSettings, MongoSettings


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stack:
    """The sink and dispatcher processes, and the test's topics and database."""

    def __init__(
        self, kafka: KafkaSettings, mongo: MongoSettings, workdir: Path, split: bool
    ) -> None:
        """Ports and logs under `workdir`; nothing starts yet."""
        self.kafka = kafka
        self.mongo = mongo
        self.smtp_port = free_port()
        self.sink_port = free_port()
        self.log = workdir / "dispatch.log"
        self.sink_log = workdir / "sinks.log"
        self.sink: asyncio.subprocess.Process | None = None
        self.dispatchers: list[asyncio.subprocess.Process] = []
        self._http: httpx.AsyncClient | None = None
        # One process per lane (the marketing one at a lower CPU priority), or both in one.
        self.roles: list[dict[str, str]] = (
            [
                {"WAYMARK_DISPATCH_LANES": "transactional"},
                {"WAYMARK_DISPATCH_LANES": "marketing", "WAYMARK_DISPATCH_NICE": "10"},
            ]
            if split
            else [{}]
        )
        for role in self.roles:
            role["WAYMARK_DISPATCH_HTTP_PORT"] = str(free_port())

    @property
    def sink_url(self) -> str:
        """Base URL of the sink's HTTP API."""
        return f"http://127.0.0.1:{self.sink_port}"

    def _env(self, role: dict[str, str]) -> dict[str, str]:
        # Dispatcher settings may be tried from the environment (WAYMARK_DISPATCH_*); the
        # rest of the stack's settings are the bench's own.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("WAYMARK_") or k.startswith("WAYMARK_DISPATCH_")
        }
        env.update(
            {
                "WAYMARK_KAFKA_BOOTSTRAP": self.kafka.bootstrap,
                "WAYMARK_KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
                "WAYMARK_MONGO_URL": self.mongo.url,
                "WAYMARK_MONGO_DATABASE": self.mongo.database,
                "WAYMARK_DISPATCH_GROUP_ID": f"bench-{self.mongo.database}",
                "WAYMARK_DISPATCH_INSTANCE_ID": "bench",
                "WAYMARK_DISPATCH_SMTP_PORT": str(self.smtp_port),
                "WAYMARK_DISPATCH_LOG_LEVEL": "WARNING",
                **role,
            }
        )
        return env

    async def start_sink(self) -> None:
        """Start the sinks and wait for them."""
        with self.sink_log.open("ab") as out:
            self.sink = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "waymark.channel_dispatch.sinks",
                "--smtp-port",
                str(self.smtp_port),
                "--http-port",
                str(self.sink_port),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        await _until_ok(f"{self.sink_url}/healthz")

    async def start_dispatcher(self, marketing: dict[str, str] | None = None) -> None:
        """Start channel-dispatch (a process per role) and wait until it is ready;
        `marketing`: settings of the process that sends marketing, for this start only."""
        for role in self.roles:
            if marketing and role.get("WAYMARK_DISPATCH_LANES", "marketing") == "marketing":
                role = {**role, **marketing}
            with self.log.open("ab") as out:
                self.dispatchers.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "waymark.channel_dispatch",
                        env=self._env(role),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            await _until_ok(f"http://127.0.0.1:{role['WAYMARK_DISPATCH_HTTP_PORT']}/readyz")

    async def stop_dispatcher(self) -> None:
        """SIGTERM, wait for the clean exits."""
        for process in self.dispatchers:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await process.wait()
        self.dispatchers.clear()

    def _client(self) -> httpx.AsyncClient:
        # One client for the whole run: making one builds a TLS context, tens of
        # milliseconds of CPU taken from what is measured, twice a second while it drains.
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=60)
        return self._http

    async def receipts(self) -> dict[str, float]:
        """Message-ID -> arrival time of every email the sink holds."""
        rows = (await self._client().get(f"{self.sink_url}/smtp/receipts")).json()["receipts"]
        return {message_id: at for message_id, at in rows}

    async def received(self) -> int:
        """How many emails the sink holds."""
        return int((await self._client().get(f"{self.sink_url}/smtp/stats")).json()["count"])

    async def gauge(self, name: str) -> float:
        """The largest value of a gauge (no labels) over the running dispatchers' /metrics."""
        values = [0.0]
        for role in self.roles:
            url = f"http://127.0.0.1:{role['WAYMARK_DISPATCH_HTTP_PORT']}/metrics"
            try:
                text = (await self._client().get(url)).text
            except httpx.HTTPError:
                continue
            lines = [line for line in text.splitlines() if line.startswith(f"{name} ")]
            values += [float(line.split()[-1]) for line in lines]
        return max(values)

    async def stop_all(self) -> None:
        """Terminate whatever still runs."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        for process in [*self.dispatchers, self.sink]:
            if process is not None and process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)


async def _until_ok(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"{url} did not answer")
