"""trigger-ingest throughput: one server process, driven from this process over loopback.

Starts `waymark-ingest` (one uvicorn process) against the local Kafka with topics under a
fresh prefix, then measures single events (`POST /v1/track`) and batches of 100
(`POST /v1/batch`) with concurrent keep-alive clients. Every 202 means the broker
acknowledged the events (acks=all, idempotent producer), so these are durable events/s.

    uv run python bench/ingest.py [--seconds 10] [--bootstrap 127.0.0.1:19092]
"""

from __future__ import annotations

import argparse
import asyncio
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

from waymark.core.adapters.kafka.topics import ensure_topics, topic_specs

WRITE_KEY = "bench-write-key"


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


@dataclass
class Result:
    """What one scenario measured."""

    name: str
    events: int
    requests: int
    seconds: float
    latencies: list[float]
    refused: int

    def line(self) -> str:
        """One line of the report."""
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return (
            f"{self.name:<18} {self.events / self.seconds:>9,.0f} events/s "
            f"{self.requests / self.seconds:>8,.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
            f"   ({self.events:,} events in {self.seconds:.1f} s, {self.refused} non-202)"
        )


async def drive(
    url: str, name: str, body_for: Any, per_request: int, concurrency: int, seconds: float
) -> Result:
    """Post from `concurrency` clients for `seconds`; count acknowledged events."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    accepted = 0
    refused = 0
    async with httpx.AsyncClient(
        base_url=url, auth=(WRITE_KEY, ""), limits=limits, timeout=30
    ) as http:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def client(worker: int) -> None:
            nonlocal accepted, refused
            n = 0
            while time.perf_counter() < deadline:
                content = body_for(worker, n)
                t0 = time.perf_counter()
                response = await http.post(
                    name, content=content, headers={"content-type": "application/json"}
                )
                latencies.append(time.perf_counter() - t0)
                if response.status_code == 202:
                    accepted += per_request
                else:
                    refused += 1
                n += 1

        await asyncio.gather(*(client(w) for w in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Result(name, accepted, len(latencies), elapsed, latencies, refused)


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
    parser.add_argument("--single-clients", type=int, default=32)
    parser.add_argument("--batch-clients", type=int, default=8)
    parser.add_argument("--partitions", type=int, default=6)
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
    server = subprocess.Popen(
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
        await drive(url, "/v1/track", track_body, 1, 8, 2.0)  # warm-up
        results = [
            await drive(url, "/v1/track", track_body, 1, args.single_clients, args.seconds),
            await drive(url, "/v1/batch", batch_body, 100, args.batch_clients, args.seconds),
        ]
        print(
            f"single events: {args.single_clients} concurrent clients; "
            f"batches of 100: {args.batch_clients} concurrent clients"
        )
        for result in results:
            print(result.line())
    finally:
        server.terminate()
        server.wait(timeout=30)
        await ensure(args.bootstrap, prefix, args.partitions, delete=True)


if __name__ == "__main__":
    asyncio.run(main())
