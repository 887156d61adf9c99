"""channel-dispatch: emails/s into the SMTP sink, and transactional latency under a burst.

Everything runs for real on this machine: the local Kafka and FerretDB, and a dispatcher
process per lane (`python -m waymark.channel_dispatch`), each sending to its own development
sink (`python -m waymark.channel_dispatch.sinks`), as transactional and marketing mail go
through separate provider streams; the transactional process keeps its ledger in a database of
its own (see `dispatch_stack`).

1. Idle: transactional emails, one every 1/`--rate` s, with nothing else queued; latency is
   from the command's creation (just before it is produced) to its arrival in the SMTP sink.
   At 50/s for 30 s, a p99 rests on 15 emails above it, not on one or two.
2. Throughput: the marketing process is stopped, `--backlog` marketing emails are queued, and
   it is started again; the backlog drains with nothing else to send. The transactional
   process runs on throughout, as it does in production while a campaign is queued (with
   `--one-process`, the one process is restarted).
3. Burst: the same again, and while the backlog drains the same transactional probe runs.
4. The same with `--capped-backlog` emails and the marketing process capped at
   `--capped-rate` emails/s (`WAYMARK_DISPATCH_SMTP_RATE`): the lanes' isolation when the
   machine's cores are not all taken by the drain. On two cores the sink, FerretDB and Kafka
   serve both lanes and share the cores with both dispatchers, so a full-speed drain delays
   every hop of a transactional send a little.

Printed: marketing emails/s into the sink (first to last arrival of the backlog) alone and
with the probe running, the transactional p50/p99 idle and under the burst, p99 burst / p99
idle, and the capped ratio.

Run (local stack up): `.venv/bin/python bench/dispatch.py [--backlog 100000] [--json PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from dispatch_stack import Stack, cpu_seconds
from machine import write_json
from waymark.core.adapters.kafka.topics import Topic, ensure_topics, topic_name, topic_specs
from waymark.core.adapters.mongo import connect
from waymark.core.contracts import AvroCodec, SendCommand
from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.core.templates import Template

CODEC = AvroCodec.static()


def machine() -> str:
    """Platform, CPU model, CPUs and memory, Python version."""
    cpu = platform.processor() or "unknown CPU"
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {cpu}, "
        f"{os.cpu_count()} logical CPUs{memory}, Python {platform.python_version()}"
    )


def command(n: int, category: str, template: str) -> SendCommand:
    """One email command, created now."""
    return SendCommand(
        command_id=uuid.uuid4().hex,
        customer_id=f"c{n}",
        journey_id=f"bench-{category}",
        journey_version=1,
        entry_id=f"e{n}",
        step_id="send",
        attempt=1,
        channel="email",
        template=template,
        category=category,  # type: ignore[arg-type]
        consent_granted=True,
        recipient={"email": f"customer{n}@example.com", "first_name": f"Ann{n}"},
        entry={"name": "order_completed", "properties": {"order_id": f"o{n}", "total": n % 500}},
        created_at=datetime.now(UTC),
    )


def _template(template_id: str, category: str, subject: str, html: str, text: str) -> Template:
    email = {"subject": subject, "html": html, "text": text}
    return Template.model_validate(
        {"id": template_id, "category": category, "channels": {"email": email}}
    )


TEMPLATES = [
    _template(
        "bench-receipt",
        "transactional",
        "Your order {{ entry.properties.order_id }}",
        "<p>Hi {{ profile.first_name }}, order {{ entry.properties.order_id }} "
        "({{ entry.properties.total }} EUR).</p>",
        "Hi {{ profile.first_name }}, order {{ entry.properties.order_id }}.",
    ),
    _template(
        "bench-promo",
        "marketing",
        "{{ profile.first_name }}, this week's picks",
        "<h1>Hello {{ profile.first_name }}</h1>" + "<p>Something you may like.</p>" * 8,
        "Hello {{ profile.first_name }}\n" + "Something you may like.\n" * 8,
    ),
]


async def produce(producer: AIOKafkaProducer, kafka: KafkaSettings, cmd: SendCommand) -> Any:
    """Enqueue one command on its lane's topic; the delivery future."""
    marketing = cmd.category == "marketing"
    lane = Topic.COMMANDS_MARKETING if marketing else Topic.COMMANDS_TRANSACTIONAL
    topic = topic_name(lane, kafka.topic_prefix)
    value = CODEC.encode(topic, cmd.to_avro())
    return await producer.send(topic, value, key=cmd.customer_id.encode())


async def probe(
    producer: AIOKafkaProducer,
    kafka: KafkaSettings,
    rate: float,
    keep_going: Any,
    first: int,
    created: dict[str, float] | None = None,
) -> dict[str, float]:
    """Transactional emails at `rate`/s while `keep_going()`: Message-ID -> creation time."""
    created = {} if created is None else created
    n = first
    while keep_going():
        cmd = command(n, "transactional", "bench-receipt")
        created[f"<{cmd.command_id}@waymark.local>"] = cmd.created_at.timestamp()
        await produce(producer, kafka, cmd)
        n += 1
        await asyncio.sleep(1 / rate)
    return created


async def latencies(stack: Stack, created: dict[str, float]) -> list[float]:
    """Seconds from creation to arrival of each probe email (waits for all to arrive)."""
    for _ in range(600):
        arrived = await stack.receipts()
        if all(mid in arrived for mid in created):
            return sorted(arrived[mid] - at for mid, at in created.items())
        await asyncio.sleep(0.5)
    raise SystemExit("probe emails did not all arrive")


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of sorted values."""
    return values[min(len(values) - 1, int(q * len(values)))]


async def run(args: argparse.Namespace) -> None:
    """Set up, measure, print, clean up."""
    unique = uuid.uuid4().hex[:8]
    kafka = KafkaSettings(
        bootstrap=os.environ.get("WAYMARK_KAFKA_BOOTSTRAP", "127.0.0.1:19092"),
        topic_prefix=f"bench{unique}.",
        partitions=args.partitions,
    )
    mongo = MongoSettings(
        url=os.environ.get("WAYMARK_MONGO_URL", "mongodb://127.0.0.1:27018/"),
        database=f"bench{unique}",
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    specs = topic_specs(kafka.topic_prefix, kafka.partitions)
    await ensure_topics(admin, specs)
    client = connect(mongo)
    for template in TEMPLATES:
        await client[mongo.database]["templates"].insert_one(template.to_document())
    workdir = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    stack = Stack(kafka, mongo, workdir, split=args.split)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, linger_ms=0)
    await producer.start()
    try:
        await stack.start_sinks()
        await stack.start_dispatcher()
        # Warm up connections, templates and the ledger's collections.
        await probe_for(producer, kafka, args.rate, 2.0, 10_000_000)
        print(f"idle probe: {args.idle_s:.0f} s at {args.rate:.0f}/s", flush=True)
        idle_created = await probe_for(producer, kafka, args.rate, args.idle_s, 20_000_000)
        idle = await latencies(stack, idle_created)
        await stack.stop_marketing()

        alone = await drain(stack, producer, kafka, 0, args.backlog, 0)
        full = await drain(stack, producer, kafka, args.rate, args.backlog, 30_000_000)
        capped = None
        if args.capped_backlog:
            cap = {"WAYMARK_DISPATCH_SMTP_RATE": str(args.capped_rate)}
            capped = await drain(
                stack, producer, kafka, args.rate, args.capped_backlog, 40_000_000, cap
            )
    finally:
        await producer.stop()
        await stack.stop_all()
        await admin.delete_topics([spec.name for spec in specs])
        await admin.close()
        for database in stack.databases:
            await client.drop_database(database)
        await client.close()

    report(args, alone, full, idle, capped)


@dataclass(frozen=True)
class Drain:
    """A marketing backlog drained with the transactional probe running."""

    times: list[float]
    """Arrival time of each backlog email, in order."""
    cpu_per_email: float
    """CPU seconds of the marketing dispatcher per backlog email."""
    latencies: list[float]
    """The probe's latencies meanwhile, sorted."""


async def drain(
    stack: Stack,
    producer: AIOKafkaProducer,
    kafka: KafkaSettings,
    rate: float,
    backlog: int,
    first: int,
    marketing: dict[str, str] | None = None,
) -> Drain:
    """Queue `backlog` marketing emails with the dispatcher stopped, start it (the marketing
    process with `marketing` settings), and probe at `rate` (0: not) until the backlog is in
    the sinks."""
    print(f"queueing {backlog} marketing emails", flush=True)
    backlog_ids: set[str] = set()
    pending = []
    for n in range(backlog):
        cmd = command(n, "marketing", "bench-promo")
        backlog_ids.add(f"<{cmd.command_id}@waymark.local>")
        pending.append(await produce(producer, kafka, cmd))
        if len(pending) >= 5000:
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    before = await stack.received()
    await stack.start_dispatcher(marketing)
    marketing_pid = stack.marketing_pid
    cpu_before = cpu_seconds(marketing_pid)
    print(f"draining the backlog with the probe running {marketing or ''}", flush=True)
    drained = asyncio.Event()
    created: dict[str, float] = {}

    async def watch() -> None:
        while True:
            # The probe's own emails arrive too: count them out.
            if await stack.received() >= before + backlog + len(created):
                drained.set()
                return
            await asyncio.sleep(0.5)

    async def trace() -> None:
        # BENCH_TRACE=1: the marketing pace and the transactional delay, twice a second
        # (when marketing yields, WAYMARK_DISPATCH_MARKETING_YIELD_DELAY).
        while os.environ.get("BENCH_TRACE") and not drained.is_set():
            pace = await stack.gauge("waymark_dispatch_marketing_pace_per_second")
            delay = await stack.gauge("waymark_dispatch_transactional_delay")
            print(f"  pace {pace:7.0f}/s  delay {delay:6.2f}", flush=True)
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    tracer = asyncio.create_task(trace())
    if rate:
        await probe(producer, kafka, rate, lambda: not drained.is_set(), first, created)
    await watcher
    await tracer
    cpu_used = cpu_seconds(marketing_pid) - cpu_before
    burst = await latencies(stack, created) if created else []
    arrived = await stack.receipts()
    times = sorted(at for mid, at in arrived.items() if mid in backlog_ids)
    await stack.stop_marketing()
    assert len(times) == backlog, f"{len(times)} of {backlog} marketing emails arrived"
    return Drain(times, cpu_used / backlog, burst)


def _rate(times: list[float]) -> float:
    """Emails/s from the first arrival to the last."""
    return (len(times) - 1) / (times[-1] - times[0])


def report(
    args: argparse.Namespace,
    alone: Drain,
    full: Drain,
    idle: list[float],
    capped: Drain | None,
) -> None:
    """Print the figures."""
    layout = "marketing lane's own process" if args.split else "one process, both lanes"
    times, per_email, burst = alone.times, alone.cpu_per_email, full.latencies
    rate = _rate(times)
    idle_p99, burst_p99 = percentile(idle, 0.99), percentile(burst, 0.99)
    lines = [
        "",
        f"machine: {machine()}",
        f"marketing backlog: {args.backlog} emails in {times[-1] - times[0]:.1f} s",
        f"emails/s into the SMTP sink ({layout}): {rate:,.0f}  (goal >= 2,000)",
        f"... while the transactional probe ran at {args.rate:.0f}/s: {_rate(full.times):,.0f}",
        f"marketing dispatcher CPU: {per_email * 1000:.2f} ms per email, "
        f"{1 / per_email:,.0f} emails per CPU-second (what one process does with a core)",
    ]
    for name, values in (("idle: ", idle), ("burst:", burst)):
        lines.append(
            f"transactional latency {name} p50 {statistics.median(values) * 1000:.1f} ms, "
            f"p99 {percentile(values, 0.99) * 1000:.1f} ms  ({len(values)} emails)"
        )
    lines.append(f"p99 burst / p99 idle: {burst_p99 / idle_p99:.2f}  (goal <= 1.2)")
    figures: dict[str, Any] = {
        "layout": layout,
        "backlog": args.backlog,
        "emails_per_s": round(rate),
        "emails_per_s_probed": round(_rate(full.times)),
        "probe_rate": args.rate,
        "cpu_ms_per_email": round(per_email * 1000, 3),
        "idle_p50_ms": round(statistics.median(idle) * 1000, 1),
        "idle_p99_ms": round(idle_p99 * 1000, 1),
        "burst_p50_ms": round(statistics.median(burst) * 1000, 1),
        "burst_p99_ms": round(burst_p99 * 1000, 1),
        "ratio": round(burst_p99 / idle_p99, 2),
        "probe_emails": len(idle) + len(burst),
    }
    if capped is not None:
        capped_p99 = percentile(capped.latencies, 0.99)
        lines.append(
            f"with marketing capped at {args.capped_rate:,.0f}/s ({args.capped_backlog} emails, "
            f"the cores not saturated): transactional p99 {capped_p99 * 1000:.1f} ms, "
            f"p99 / p99 idle: {capped_p99 / idle_p99:.2f}"
        )
        figures |= {
            "capped_rate": args.capped_rate,
            "capped_p99_ms": round(capped_p99 * 1000, 1),
            "capped_ratio": round(capped_p99 / idle_p99, 2),
        }
    print("\n".join(lines))
    write_json(args.json, figures)


async def probe_for(
    producer: AIOKafkaProducer, kafka: KafkaSettings, rate: float, seconds: float, first: int
) -> dict[str, float]:
    """The probe for a fixed time."""
    end = time.monotonic() + seconds
    return await probe(producer, kafka, rate, lambda: time.monotonic() < end, first)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=50.0, help="transactional probe per s")
    parser.add_argument("--idle-s", type=float, default=30.0)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument(
        "--one-process",
        dest="split",
        action="store_false",
        help="both lanes in one dispatcher process (default: a process per lane)",
    )
    parser.add_argument(
        "--capped-backlog",
        type=int,
        default=20_000,
        help="then drain this many again with marketing capped at --capped-rate (0: skip)",
    )
    parser.add_argument("--capped-rate", type=float, default=500.0, help="marketing emails/s")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON here")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
