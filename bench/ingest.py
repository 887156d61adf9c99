"""trigger-ingest throughput: one server process, driven from this process over loopback.

Starts `waymark-ingest` (one uvicorn process) against the local Kafka with topics under a
fresh prefix, then measures single events (`POST /v1/track`) and batches of 100
(`POST /v1/batch`) with concurrent keep-alive clients. Every 202 means the broker
acknowledged the events (acks=all, idempotent producer), so these are durable events/s.

    uv run python bench/ingest.py [--seconds 10] [--bootstrap 127.0.0.1:19092] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from machine import write_json
from waymark.core.adapters.kafka.topics import ensure_topics, topic_specs

WRITE_KEY = "bench-write-key"
AUTHORIZATION = base64.b64encode(f"{WRITE_KEY}:".encode()).decode()


def machine() -> str:
    """CPU model, cores, memory, OS and Python of this machine."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    return (
        f"{model}, {os.cpu_count()} logical CPUs{memory}; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}"
    )


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux), or NaN elsewhere."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return float("nan")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    """What one scenario measured."""

    name: str
    clients: int
    events: int
    requests: int
    seconds: float
    latencies: list[float]
    refused: int
    server_cpu: float = float("nan")
    client_cpu: float = float("nan")

    def figures(self) -> dict[str, Any]:
        """The scenario's figures for the JSON report."""
        ordered = sorted(self.latencies)
        cpu = self.cpu_ms_per_request()
        return {
            "scenario": "single events" if self.name == "/v1/track" else "batches of 100",
            "clients": self.clients,
            "events_per_s": round(self.events / self.seconds),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
            "server_cpu_ms_per_request": round(cpu, 3) if math.isfinite(cpu) else None,
            "refused": self.refused,
        }

    def cpu_ms_per_request(self) -> float:
        """Server CPU time (user + system) per answered request, in milliseconds."""
        return self.server_cpu / self.requests * 1000 if self.requests else float("nan")

    def line(self) -> str:
        """One line of the report."""
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        per_cpu = self.events / self.server_cpu if self.server_cpu else float("nan")
        return (
            f"{self.name:<10} {self.clients:>3} clients {self.events / self.seconds:>9,.0f} "
            f"events/s {self.requests / self.seconds:>7,.0f} req/s  p50 {p50:6.1f} ms  "
            f"p99 {p99:6.1f} ms  CPU server {self.server_cpu / self.seconds:4.0%} "
            f"client {self.client_cpu / self.seconds:4.0%}  {per_cpu:>7,.0f} events/server "
            f"CPU-s  {self.cpu_ms_per_request():.3f} server CPU-ms/req  ({self.refused} non-202)"
        )


class Connection:
    """A minimal HTTP/1.1 keep-alive client: cheap enough that the client is not the bottleneck."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        """Connect to host:port."""
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def post(self, path: str, body: bytes) -> int:
        """POST `body` as JSON with the write key; the response status."""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: ingest\r\nAuthorization: Basic {AUTHORIZATION}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    async def close(self) -> None:
        """Close the connection."""
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def drive(
    port: int, path: str, body_for: Any, per_request: int, concurrency: int, seconds: float
) -> Result:
    """Post from `concurrency` keep-alive connections for `seconds`; count acknowledged events."""
    latencies: list[float] = []
    accepted = 0
    refused = 0
    connections = [await Connection.open("127.0.0.1", port) for _ in range(concurrency)]
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    async def client(worker: int, connection: Connection) -> None:
        nonlocal accepted, refused
        n = 0
        while time.perf_counter() < deadline:
            content = body_for(worker, n)
            t0 = time.perf_counter()
            status = await connection.post(path, content)
            latencies.append(time.perf_counter() - t0)
            if status == 202:
                accepted += per_request
            else:
                refused += 1
            n += 1

    await asyncio.gather(*(client(w, c) for w, c in enumerate(connections)))
    elapsed = time.perf_counter() - started
    for connection in connections:
        await connection.close()
    return Result(path, concurrency, accepted, len(latencies), elapsed, latencies, refused)


def track_body(worker: int, n: int) -> bytes:
    """One realistic track call (~300 bytes)."""
    return (
        b'{"userId":"customer-%d-%d","event":"product_viewed","messageId":"%d-%d-%s",'
        b'"timestamp":"2026-01-05T10:00:00Z","properties":{"sku":"SKU-1234","price":19.99,'
        b'"currency":"EUR","category":"shoes"},"context":{"library":{"name":"bench"},'
        b'"locale":"de-DE"}}' % (worker, n % 500, worker, n, uuid.uuid4().hex[:8].encode())
    )


def batch_body(worker: int, n: int) -> bytes:
    """A batch of 100 track calls for 100 customers."""
    calls = b",".join(
        b'{"type":"track","userId":"customer-%d-%d","event":"product_viewed",'
        b'"messageId":"%d-%d-%d","timestamp":"2026-01-05T10:00:00Z",'
        b'"properties":{"sku":"SKU-1234","price":19.99,"currency":"EUR"}}'
        % (worker, i, worker, n, i)
        for i in range(100)
    )
    return b'{"batch":[' + calls + b"]}"


async def ensure(bootstrap: str, prefix: str, partitions: int, delete: bool = False) -> None:
    """Create (or delete) the bench's topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        specs = topic_specs(prefix, partitions)
        if delete:
            await admin.delete_topics([s.name for s in specs])
        else:
            report = await ensure_topics(admin, specs)
            assert report.ok, report.mismatches
    finally:
        await admin.close()


async def wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    """Wait until the server's /readyz answers 200."""
    async with httpx.AsyncClient(base_url=url) as http:
        for _ in range(600):
            if server.poll() is not None:
                raise SystemExit(f"the ingest server exited with {server.returncode}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the ingest server did not become ready in 60 s")


async def main() -> None:
    """Run both scenarios and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bootstrap", default=os.environ.get("WAYMARK_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario")
    parser.add_argument("--single-clients", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--batch-clients", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON here")
    args = parser.parse_args()

    prefix = f"bench{uuid.uuid4().hex[:8]}."
    await ensure(args.bootstrap, prefix, args.partitions)
    port = free_port()
    env = {
        **os.environ,
        "WAYMARK_KAFKA_BOOTSTRAP": args.bootstrap,
        "WAYMARK_KAFKA_TOPIC_PREFIX": prefix,
        "WAYMARK_KAFKA_PARTITIONS": str(args.partitions),
        "WAYMARK_INGEST_HOST": "127.0.0.1",
        "WAYMARK_INGEST_PORT": str(port),
        "WAYMARK_INGEST_WRITE_KEYS": f'{{"bench": "{WRITE_KEY}"}}',
        "WAYMARK_INGEST_LOG_LEVEL": "WARNING",
    }
    # The server is the process under test; this one only drives it over loopback.
    server = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "waymark.trigger_ingest"], env=env, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, server)
        print(f"machine: {machine()}")
        print(
            f"server:  one waymark-ingest process (uvicorn, 1 worker), Kafka {args.bootstrap} "
            f"({args.partitions} partitions, acks=all, idempotent); client: this process"
        )
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average before: {load} (other processes share the CPUs)")
        await drive(port, "/v1/track", track_body, 1, 8, 2.0)  # warm-up
        scenarios = [("/v1/track", track_body, 1, c) for c in args.single_clients]
        scenarios += [("/v1/batch", batch_body, 100, c) for c in args.batch_clients]
        results: list[Result] = []
        for path, body, per_request, clients in scenarios:
            before, client_before = cpu_seconds(server.pid), time.process_time()
            result = await drive(port, path, body, per_request, clients, args.seconds)
            result.server_cpu = cpu_seconds(server.pid) - before
            result.client_cpu = time.process_time() - client_before
            print(result.line(), flush=True)
            results.append(result)
        write_json(args.json, {"scenarios": [r.figures() for r in results]})
    finally:
        server.terminate()
        server.wait(timeout=30)
        await ensure(args.bootstrap, prefix, args.partitions, delete=True)


if __name__ == "__main__":
    asyncio.run(main())
