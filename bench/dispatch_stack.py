"""The processes `bench/dispatch.py` measures: channel-dispatch and the sinks, one per lane.

Each lane's process sends to a sink of its own, as a deployment sends transactional and
marketing mail through separate provider streams (a provider's transactional stream does not
queue behind a campaign); the transactional process keeps its ledger in a database of its
own (`WAYMARK_DISPATCH_LEDGER_DATABASE`), as the operations guide advises on FerretDB. The
marketing process runs in the idle CPU class (`WAYMARK_DISPATCH_CPU_CLASS`), as the guide
advises where lanes share cores; so does its sink, which stands in for a campaign stream
whose provider's CPU is not this machine's.
"""

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
        self.log = workdir / "dispatch.log"
        self.sink_log = workdir / "sinks.log"
        self.sinks: list[asyncio.subprocess.Process] = []
        self.running: dict[int, asyncio.subprocess.Process] = {}
        """The dispatcher process of each role running, by the role's index."""
        self._http: httpx.AsyncClient | None = None
        # One process per lane (the marketing one in the idle CPU class), or both in one.
        self.roles: list[dict[str, str]] = (
            [
                {"WAYMARK_DISPATCH_LANES": "transactional"},
                {"WAYMARK_DISPATCH_LANES": "marketing", "WAYMARK_DISPATCH_CPU_CLASS": "idle"},
            ]
            if split
            else [{}]
        )
        if split:
            self.roles[0]["WAYMARK_DISPATCH_LEDGER_DATABASE"] = f"{mongo.database}_transactional"
        # Each role's SMTP sink: its SMTP port, and the port of its HTTP API.
        self.sink_ports = [(free_port(), free_port()) for _ in self.roles]
        for role, (smtp_port, _) in zip(self.roles, self.sink_ports, strict=True):
            role["WAYMARK_DISPATCH_HTTP_PORT"] = str(free_port())
            role["WAYMARK_DISPATCH_SMTP_PORT"] = str(smtp_port)

    @property
    def databases(self) -> list[str]:
        """Every database the dispatchers write."""
        key = "WAYMARK_DISPATCH_LEDGER_DATABASE"
        extra = [role[key] for role in self.roles if key in role]
        return [self.mongo.database, *extra]

    @property
    def sink_urls(self) -> list[str]:
        """Base URLs of the sinks' HTTP APIs."""
        return [f"http://127.0.0.1:{http_port}" for _, http_port in self.sink_ports]

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
                "WAYMARK_DISPATCH_LOG_LEVEL": "WARNING",
                **role,
            }
        )
        return env

    async def start_sinks(self) -> None:
        """Start the sinks and wait for them."""
        for index, (smtp_port, http_port) in enumerate(self.sink_ports):
            # The marketing process's sink (split layout) takes a core only when none is idle.
            idle = len(self.roles) > 1 and index == len(self.roles) - 1
            with self.sink_log.open("ab") as out:
                self.sinks.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "waymark.channel_dispatch.sinks",
                        "--smtp-port",
                        str(smtp_port),
                        "--http-port",
                        str(http_port),
                        preexec_fn=_idle_class if idle else None,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        for url in self.sink_urls:
            await _until_ok(f"{url}/healthz")

    @property
    def dispatchers(self) -> list[asyncio.subprocess.Process]:
        """The dispatcher processes running."""
        return list(self.running.values())

    @property
    def marketing_pid(self) -> int:
        """The process that sends marketing (the last role's)."""
        return self.running[len(self.roles) - 1].pid

    async def start_dispatcher(self, marketing: dict[str, str] | None = None) -> None:
        """Start channel-dispatch (a process per role) where it is not running, and wait until
        it is ready; `marketing`: settings of the process that sends marketing, for this
        start only."""
        for index, role in enumerate(self.roles):
            if index in self.running:
                continue
            if marketing and role.get("WAYMARK_DISPATCH_LANES", "marketing") == "marketing":
                role = {**role, **marketing}
            with self.log.open("ab") as out:
                self.running[index] = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "waymark.channel_dispatch",
                    env=self._env(role),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            await _until_ok(f"http://127.0.0.1:{role['WAYMARK_DISPATCH_HTTP_PORT']}/readyz")

    async def stop_marketing(self) -> None:
        """Stop the process that sends marketing; a transactional-only process runs on."""
        await self._stop(len(self.roles) - 1)

    async def stop_dispatcher(self) -> None:
        """Stop every dispatcher process."""
        for index in list(self.running):
            await self._stop(index)

    async def _stop(self, index: int) -> None:
        """SIGTERM, wait for the clean exit."""
        process = self.running.pop(index, None)
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()

    def _client(self) -> httpx.AsyncClient:
        # One client for the whole run: making one builds a TLS context, tens of
        # milliseconds of CPU taken from what is measured, twice a second while it drains.
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=60)
        return self._http

    async def receipts(self) -> dict[str, float]:
        """Message-ID -> arrival time of every email the sinks hold."""
        found: dict[str, float] = {}
        for url in self.sink_urls:
            rows = (await self._client().get(f"{url}/smtp/receipts")).json()["receipts"]
            found.update((message_id, at) for message_id, at in rows)
        return found

    async def received(self) -> int:
        """How many emails the sinks hold."""
        total = 0
        for url in self.sink_urls:
            total += int((await self._client().get(f"{url}/smtp/stats")).json()["count"])
        return total

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
        for process in [*self.dispatchers, *self.sinks]:
            if process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)


def _idle_class() -> None:
    """In the child before it runs the sink: Linux's idle scheduling class."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


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
