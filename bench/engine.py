"""The engine worker against a plain aiokafka loop over the same records, and a timer burst.

In one run, on the same broker and the same 200,000 CustomerEvents (10,000 customers, the 20
journeys of catalog.yaml active):

- `plain loop`: an aiokafka consumer group reads the events, decodes each Avro value, encodes
  it again, produces it to a sink topic, waits for the batch's acknowledgements and commits —
  the ceiling of a Python consume→decode→encode→produce loop here;
- `engine`: one `waymark-engine-worker` process (RocksDB table, changelog, commands and
  transitions produced) decides the same records; the rate is inputs decided per second of
  wall time between its first and its last decision.

Then 100,000 customers enter a journey whose wait ends at one instant (`wait: until`), and the
bench reports how long after that instant every timer had fired as a tick, and every tick had
been decided.

Run: `.venv/bin/python bench/engine.py [--events N] [--customers N] [--timers N] [--json PATH]`;
it needs the local stack (`make infra-up`) or WAYMARK_KAFKA_BOOTSTRAP.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

sys.path.insert(0, str(Path(__file__).parent))
from decide import CATALOG, PAGES, _profile, machine
from dispatch_stack import cpu_seconds
from machine import write_json
from waymark.core.adapters.kafka.topics import Topic, ensure_topics, topic_name, topic_specs
from waymark.core.contracts import AvroCodec, CustomerEvent, JourneyVersion, definition_checksum

BIN = Path(sys.executable).parent
PARTITIONS = 6


def say(text: str) -> None:
    """Progress on stderr, figures on stdout."""
    print(text, file=sys.stderr, flush=True)


def events(count: int, customers: int, seed: int = 7) -> list[tuple[bytes, bytes]]:
    """(key, Avro value) of a realistic mix: identify first, then views, carts, orders."""
    rng = random.Random(seed)
    codec = AvroCodec.static()
    out: list[tuple[bytes, bytes]] = []
    now = datetime.now(UTC)
    seen: set[int] = set()
    for n in range(count):
        c = rng.randrange(customers)
        cid = f"cust-{c:06d}"
        base: dict[str, Any] = {
            "event_id": f"e-{n}",
            "customer_id": cid,
            "timestamp": now,
            "received_at": now,
        }
        roll = rng.random()
        if c not in seen:
            seen.add(c)
            event = CustomerEvent(type="identify", traits=_profile(rng, c), **base)
        elif roll < 0.05:
            event = CustomerEvent(type="consent", channel="email", granted=True, **base)
        elif roll < 0.50:
            event = CustomerEvent(
                type="track", name="page_viewed", properties={"path": rng.choice(PAGES)}, **base
            )
        elif roll < 0.70:
            event = CustomerEvent(
                type="track",
                name="product_viewed",
                properties={"sku": f"sku-{rng.randrange(500)}", "price": rng.randrange(5, 300)},
                **base,
            )
        elif roll < 0.80:
            event = CustomerEvent(
                type="track",
                name="cart_updated",
                properties={"cart_id": f"cart-{c}", "value": rng.randrange(10, 400)},
                **base,
            )
        elif roll < 0.85:
            event = CustomerEvent(
                type="track",
                name="order_completed",
                properties={"cart_id": f"cart-{c}", "total": 50},
                **base,
            )
        elif roll < 0.90:
            event = CustomerEvent(
                type="track", name="signed_up", properties={"source": "web"}, **base
            )
        else:
            event = CustomerEvent(type="identify", traits={"last_seen_at": now.isoformat()}, **base)
        out.append((cid.encode(), codec.encode_model(event)))
    return out


async def produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> float:
    """Produce every record; returns records/s."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=10, max_batch_size=524288
    )
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for key, value in records:
            pending.append(await producer.send(topic, value, key=key))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return len(records) / (time.perf_counter() - started)


async def plain_loop(bootstrap: str, source: str, sink: str, total: int) -> tuple[float, float]:
    """consume → decode → encode → produce → commit per batch; (records/s, CPU s per record)."""
    codec = AvroCodec.static()
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=f"plain-{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=1000,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=2,
        enable_idempotence=True,
        max_batch_size=262144,
    )
    await consumer.start()
    await producer.start()
    done = 0
    started = None
    try:
        while done < total:
            batch = await consumer.getmany(timeout_ms=500, max_records=1000)
            if not batch:
                continue
            if started is None:
                started, cpu = time.perf_counter(), time.process_time()
            acks = []
            for records in batch.values():
                for r in records:
                    name, fields = codec.decode(r.value)
                    acks.append(await producer.send(sink, codec.encode(name, fields), key=r.key))
                    done += 1
            await asyncio.gather(*acks)
            await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()
    assert started is not None
    return total / (time.perf_counter() - started), (time.process_time() - cpu) / total


class Worker:
    """One engine worker process."""

    def __init__(self, bootstrap: str, prefix: str, data_dir: Path) -> None:
        self.port = 18000 + random.randrange(1000)
        env = dict(os.environ)
        env.update(
            {
                "WAYMARK_KAFKA_BOOTSTRAP": bootstrap,
                "WAYMARK_KAFKA_TOPIC_PREFIX": prefix,
                "WAYMARK_KAFKA_PARTITIONS": str(PARTITIONS),
                "WAYMARK_ENGINE_WORKER_APP_ID": f"{prefix}engine",
                "WAYMARK_ENGINE_WORKER_DATA_DIR": str(data_dir),
                "WAYMARK_ENGINE_WORKER_WEB_PORT": str(self.port),
                "WAYMARK_ENGINE_WORKER_LOG_LEVEL": "WARN",
            }
        )
        self.log = (data_dir.parent / "worker.log").open("ab")
        self.proc = subprocess.Popen(
            [str(BIN / "waymark-engine-worker")], env=env, stdout=self.log, stderr=self.log
        )

    def counters(self) -> dict[str, float]:
        """Metric name (with labels) → value, of the worker's /metrics."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as r:
                text = r.read().decode()
        except OSError:
            return {}
        out = {}
        for line in text.splitlines():
            if line.startswith("waymark_engine"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def decided(self, kind: str | None = None) -> float:
        """Inputs decided (of one input type, or all)."""
        return sum(
            v
            for k, v in self.counters().items()
            if k.startswith("waymark_engine_inputs_total")
            and (kind is None or f'type="{kind}"' in k)
        )

    def stop(self) -> None:
        """SIGTERM and wait."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class CpuAtBounds:
    """The worker's CPU seconds between its first decision and its last (as polled)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.start: float | None = None
        self.end = 0.0

    def decided(self) -> float:
        """`worker.decided()`, noting the process's CPU time as it goes."""
        value = self.worker.decided()
        now = cpu_seconds(self.worker.proc.pid)
        if value > 0 and self.start is None:
            self.start = now
        self.end = now
        return value

    def seconds(self) -> float:
        """CPU seconds from the first poll that saw a decision to the last poll."""
        return self.end - (self.start if self.start is not None else self.end)


async def wait_for(probe: Any, target: float, what: str, limit: float) -> tuple[float, float]:
    """Poll `probe()` until it reaches `target`; (first time > 0, time reached)."""
    first = None
    deadline = time.perf_counter() + limit
    last_print = 0.0
    while time.perf_counter() < deadline:
        value = probe()
        now = time.perf_counter()
        if value > 0 and first is None:
            first = now
        if value >= target:
            return first or now, now
        if now - last_print > 5:
            say(f"  {what}: {value:,.0f} / {target:,.0f}")
            last_print = now
        await asyncio.sleep(0.2)
    raise SystemExit(f"{what} did not reach {target} within {limit} s")


async def publish(bootstrap: str, prefix: str, docs: list[dict[str, Any]]) -> None:
    """Publish journey definitions as version 1, active."""
    codec = AvroCodec.static()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for doc in docs:
            record = JourneyVersion(
                journey_id=doc["id"],
                version=1,
                status="active",
                type=doc.get("type", "marketing"),
                definition=doc,
                published_at=datetime.now(UTC),
                checksum=definition_checksum(doc),
            )
            await producer.send_and_wait(
                topic_name(Topic.JOURNEYS, prefix),
                codec.encode_model(record),
                key=f"{doc['id']}/1".encode(),
            )
    finally:
        await producer.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--timers", type=int, default=100_000)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON here")
    args = parser.parse_args()
    bootstrap = os.environ.get("WAYMARK_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    specs = topic_specs(prefix, PARTITIONS)
    await ensure_topics(admin, specs)
    sink = f"{prefix}plain.sink"
    from aiokafka.admin import NewTopic

    await admin.create_topics([NewTopic(sink, PARTITIONS, 1)])
    tmp = Path(tempfile.mkdtemp(prefix="waymark-bench-"))
    results: dict[str, Any] = {"machine": machine(), "date": datetime.now(UTC).isoformat()}
    worker: Worker | None = None
    try:
        say(f"generating {args.events:,} events for {args.customers:,} customers")
        records = events(args.events, args.customers)
        docs = list(yaml.safe_load_all(CATALOG.read_text(encoding="utf-8")))
        await publish(bootstrap, prefix, docs)
        source = topic_name(Topic.EVENTS, prefix)
        rate = await produce(bootstrap, source, records)
        say(f"produced at {rate:,.0f} records/s")

        say("plain aiokafka loop over the same records")
        plain, plain_cpu = await plain_loop(bootstrap, source, sink, len(records))
        results["plain_loop_per_s"] = round(plain)
        results["plain_cpu_us"] = round(plain_cpu * 1e6, 1)
        say(f"  {plain:,.0f} records/s, {plain_cpu * 1e6:.1f} µs of CPU each")

        say("engine worker (RocksDB table) over the same records")
        worker = Worker(bootstrap, prefix, tmp / "engine")
        cpu = CpuAtBounds(worker)
        first, last = await wait_for(cpu.decided, len(records), "decided", 1800)
        engine = len(records) / max(last - first, 1e-9)
        engine_cpu = cpu.seconds() / len(records)
        results["engine_per_s"] = round(engine)
        results["engine_cpu_us"] = round(engine_cpu * 1e6, 1)
        results["ratio"] = round(engine / plain, 3)
        results["cpu_ratio"] = round(plain_cpu / engine_cpu, 3)
        say(f"  {engine:,.0f} inputs/s, {engine_cpu * 1e6:.1f} µs of CPU each")

        say(f"{args.timers:,} waits due at one instant")
        due = (datetime.now(UTC) + timedelta(seconds=90 + args.timers / 2500)).replace(
            second=0, microsecond=0
        ) + timedelta(minutes=1)
        burst = {
            "id": "timer-burst",
            "name": "Timer burst",
            "type": "transactional",
            "trigger": {"event": "burst"},
            "milestones": [
                {
                    "id": "m",
                    "name": "M",
                    "steps": [
                        {"id": "hold", "wait": {"until": due.strftime("%H:%M")}},
                        {"id": "out", "exit": {}},
                    ],
                }
            ],
        }
        await publish(bootstrap, prefix, [burst])
        await asyncio.sleep(2)
        codec = AvroCodec.static()
        now = datetime.now(UTC)
        burst_records = [
            (
                f"t-{i}".encode(),
                codec.encode_model(
                    CustomerEvent(
                        event_id=f"b-{i}",
                        customer_id=f"t-{i}",
                        type="track",
                        name="burst",
                        timestamp=now,
                        received_at=now,
                    )
                ),
            )
            for i in range(args.timers)
        ]
        ticks_before = worker.decided("tick")
        base = worker.decided()
        await produce(bootstrap, source, burst_records)
        await wait_for(lambda: worker.decided() - base, args.timers, "entered", 1800)
        wait = (due - datetime.now(UTC)).total_seconds()
        say(f"  all waiting; the instant is in {wait:.0f} s")
        if wait < 0:
            raise SystemExit("the entries took longer than planned; rerun with fewer --timers")
        await asyncio.sleep(wait)
        t0 = time.perf_counter()
        fired0 = worker.counters().get("waymark_engine_timers_fired_total", 0.0)
        _, fired_at = await wait_for(
            lambda: worker.counters().get("waymark_engine_timers_fired_total", 0.0) - fired0,
            args.timers,
            "fired",
            600,
        )
        _, decided_at = await wait_for(
            lambda: worker.decided("tick") - ticks_before, args.timers, "ticks decided", 600
        )
        results["timers"] = args.timers
        results["timers_fired_s"] = round(fired_at - t0, 2)
        results["timers_decided_s"] = round(decided_at - t0, 2)
    finally:
        if worker is not None:
            worker.stop()
        await admin.delete_topics([s.name for s in specs] + [sink])
        await admin.close()

    print(f"machine: {results['machine']}")
    print(f"date:    {results['date']}")
    print(f"plain aiokafka consume→decode→encode→produce: {results['plain_loop_per_s']:>8,} /s")
    print(f"engine worker, 20 active journeys:            {results['engine_per_s']:>8,} /s")
    print(f"ratio engine / plain (goal ≥ 0.5):             {results['ratio']:>8}")
    print(
        f"CPU per record: plain {results['plain_cpu_us']} µs, engine {results['engine_cpu_us']} µs"
        f" (ratio {results['cpu_ratio']}: what the rate ratio would be on a machine to itself)"
    )
    print(
        f"{results['timers']:,} timers due at one instant: fired in {results['timers_fired_s']} s "
        f"(goal ≤ 2 s), all decided in {results['timers_decided_s']} s"
    )
    results.update(events=len(records), customers=args.customers, journeys=len(docs))
    write_json(args.json, results)


if __name__ == "__main__":
    asyncio.run(main())
