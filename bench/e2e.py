"""End-to-end latency: trigger-ingest's 202 → the message in the SMTP sink, at steady rates.

Everything `make run` starts runs for real on this machine (the sinks, trigger-ingest, the
engine worker and API, channel-dispatch and analytics, as `deploy/local/supervisor.py` starts
them), on the local Kafka and FerretDB, with topics, groups and a database of this run only;
the example journeys and templates are loaded through the API.

At each rate (default 250, 500 and 1,000 events/s) for `--seconds`, this process sends a
realistic stream through trigger-ingest: 90 % background events in batches (page and product
views, cart updates, started checkouts, activity traits) for a pool of known customers, and
10 % probes — an `order_completed` of a customer with an email address, each its own
`POST /v1/track`, which the `order-confirmation` journey answers with an email at once. A
probe's latency runs from the moment its request is sent (it counts only when answered 202) to
the moment the SMTP sink accepted its email — both clocks are this machine's; the request's
start rather than the 202's reading, because a busy client reads its answers late. How long
ingest took to answer 202 is reported beside it. Reported per rate: the rate reached, p50/p95/p99 of
the probes, and how many never arrived.

Run (local stack up): `.venv/bin/python bench/e2e.py [--rates 250 500 1000] [--seconds 30]
[--json PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy" / "local"))
from demo import Run
from supervisor import load_examples, start_all, stop_all

from machine import describe, load_average, machine, write_json

PROBE_SHARE = 0.1
TICK = 0.05
PAGES = ("/", "/pricing", "/docs", "/blog", "/account")
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC")


def say(text: str) -> None:
    """Progress on stderr, figures on stdout."""
    print(text, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of sorted values, nearest rank."""
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


class Traffic:
    """The background stream and the probes, with their 202 times."""

    def __init__(self, run: Run, background: int, seed: int = 3) -> None:
        self.run = run
        self.rng = random.Random(seed)
        self.background = [f"bg-{n:06d}" for n in range(background)]
        self.sequence = 0
        self.probes: dict[str, float] = {}
        """Probe email address → when its request was sent (it was answered 202)."""
        self.answered: list[float] = []
        """Seconds each probe's request took to be answered 202."""
        self.accepted = 0
        self.refused = 0

    def _id(self) -> str:
        self.sequence += 1
        return f"e2e-{self.sequence}"

    def _now(self) -> str:
        return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _background_call(self) -> dict[str, Any]:
        rng = self.rng
        customer = rng.choice(self.background)
        base = {"userId": customer, "messageId": self._id(), "timestamp": self._now()}
        roll = rng.random()
        if roll < 0.45:
            path = rng.choice(PAGES)
            return {"type": "track", "event": "page_viewed", "properties": {"path": path}, **base}
        if roll < 0.75:
            sku = {"sku": f"sku-{rng.randrange(500)}", "price": rng.randrange(5, 300)}
            return {"type": "track", "event": "product_viewed", "properties": sku, **base}
        if roll < 0.87:
            cart = {"cart_id": f"cart-{customer}", "value": rng.randrange(10, 400)}
            return {"type": "track", "event": "cart_updated", "properties": cart, **base}
        if roll < 0.92:
            cart = {"cart_id": f"cart-{customer}", "value": rng.randrange(10, 400)}
            return {"type": "track", "event": "checkout_started", "properties": cart, **base}
        return {"type": "identify", "traits": {"last_seen_at": base["timestamp"]}, **base}

    async def identify(self, client: httpx.AsyncClient, customers: list[str]) -> None:
        """Profiles with an email address (and email consent), 100 to a batch."""
        for start in range(0, len(customers), 100):
            batch: list[dict[str, Any]] = []
            for customer in customers[start : start + 100]:
                traits: dict[str, Any] = {
                    "email": f"{customer}@example.com",
                    "first_name": "Alex",
                    "timezone": self.rng.choice(ZONES),
                    "sms_order_updates": False,
                }
                stamp = self._now()
                batch.append(
                    {
                        "type": "identify",
                        "userId": customer,
                        "messageId": self._id(),
                        "timestamp": stamp,
                        "traits": traits,
                    }
                )
                batch.append(
                    {
                        "type": "consent",
                        "userId": customer,
                        "messageId": self._id(),
                        "timestamp": stamp,
                        "channel": "email",
                        "granted": True,
                    }
                )
            answer = await client.post("/v1/batch", json={"batch": batch})
            answer.raise_for_status()

    async def _probe(self, client: httpx.AsyncClient, customer: str) -> None:
        body = {
            "userId": customer,
            "event": "order_completed",
            "messageId": self._id(),
            "timestamp": self._now(),
            "properties": {"order_id": f"o-{customer}", "total": 42},
        }
        # Timed from the request: when this process is busy, the moment it reads the 202 can
        # come after the email arrived, so the request's start is the honest clock.
        sent = time.time()
        answer = await client.post("/v1/track", json=body)
        if answer.status_code == 202:
            self.probes[f"{customer}@example.com"] = sent
            self.answered.append(time.time() - sent)
            self.accepted += 1
        else:
            self.refused += 1

    async def _batch(self, client: httpx.AsyncClient, size: int) -> None:
        answer = await client.post(
            "/v1/batch", json={"batch": [self._background_call() for _ in range(size)]}
        )
        if answer.status_code == 202:
            self.accepted += size
        else:
            self.refused += size

    async def steady(
        self, client: httpx.AsyncClient, rate: float, seconds: float, probes: list[str]
    ) -> float:
        """`rate` events/s for `seconds`, a tenth of them probes; the rate reached."""
        self.accepted = self.refused = 0
        tasks: set[asyncio.Task[None]] = set()
        started = time.monotonic()
        owed_background = owed_probes = 0.0
        tick = 0
        queue = iter(probes)
        while (elapsed := time.monotonic() - started) < seconds:
            owed_background += rate * (1 - PROBE_SHARE) * TICK
            owed_probes += rate * PROBE_SHARE * TICK
            if owed_background >= 1:
                size = int(owed_background)
                owed_background -= size
                task = asyncio.create_task(self._batch(client, size))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            while owed_probes >= 1:
                owed_probes -= 1
                customer = next(queue, None)
                if customer is None:
                    break
                task = asyncio.create_task(self._probe(client, customer))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            tick += 1
            if tick % int(5 / TICK) == 0:
                say(f"    {elapsed:4.0f} s: {self.accepted / elapsed:,.0f} events/s accepted")
            await asyncio.sleep(max(0.0, started + tick * TICK - time.monotonic()))
        if tasks:
            await asyncio.gather(*tasks)
        return self.accepted / (time.monotonic() - started)


async def arrivals(client: httpx.AsyncClient, sink: str) -> dict[str, float]:
    """Recipient → arrival time of every email the SMTP sink holds (the first, if several)."""
    messages = (await client.get(f"{sink}/smtp/messages", timeout=120)).json()["messages"]
    found: dict[str, float] = {}
    for message in messages:
        for rcpt in message["rcpt_tos"]:
            found.setdefault(rcpt, float(message["received_at"]))
    return found


async def measure_rate(
    run: Run, traffic: Traffic, rate: float, seconds: float, drain: float
) -> dict[str, Any]:
    """One rate: probes identified, the steady stream, then every probe's email awaited."""
    sink = run.url("sink_http")
    count = math.ceil(rate * PROBE_SHARE * seconds) + 10
    probes = [f"probe-{int(rate)}-{n:05d}" for n in range(count)]
    auth = httpx.BasicAuth(run.keys["write_key"], "")
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=run.url("ingest"), auth=auth, timeout=30, limits=limits
    ) as client:
        say(f"  {rate:,.0f} events/s: identifying {count:,} probe customers")
        await traffic.identify(client, probes)
        await asyncio.sleep(3)
        async with httpx.AsyncClient() as sink_client:
            await sink_client.delete(f"{sink}/smtp")
        traffic.probes.clear()
        traffic.answered.clear()
        say(f"  {rate:,.0f} events/s for {seconds:.0f} s")
        reached = await traffic.steady(client, rate, seconds, probes)
    deadline = time.monotonic() + drain
    async with httpx.AsyncClient() as sink_client:
        while True:
            found = await arrivals(sink_client, sink)
            missing = [p for p in traffic.probes if p not in found]
            if not missing or time.monotonic() > deadline:
                break
            say(f"    waiting for {len(missing):,} of {len(traffic.probes):,} probe emails")
            await asyncio.sleep(2)
    delays = sorted(found[p] - at for p, at in traffic.probes.items() if p in found)
    result: dict[str, Any] = {
        "rate": rate,
        "reached_per_s": round(reached),
        "probes": len(traffic.probes),
        "missing": len(missing),
        "refused": traffic.refused,
        "load": load_average(),
    }
    answered = sorted(traffic.answered)
    if answered:
        result["ingest_p99_ms"] = round(percentile(answered, 0.99) * 1000, 1)
    if delays:
        result.update(
            p50_ms=round(percentile(delays, 0.50) * 1000, 1),
            p95_ms=round(percentile(delays, 0.95) * 1000, 1),
            p99_ms=round(percentile(delays, 0.99) * 1000, 1),
            max_ms=round(delays[-1] * 1000, 1),
        )
    say(
        f"  {rate:,.0f}/s: reached {reached:,.0f}/s; p50 {result.get('p50_ms')} ms, "
        f"p95 {result.get('p95_ms')} ms, p99 {result.get('p99_ms')} ms "
        f"(ingest's 202 itself: p99 {result.get('ingest_p99_ms')} ms); "
        f"{len(missing)} of {len(traffic.probes)} probes missing"
    )
    return result


async def main() -> None:
    """Start the platform, measure each rate, stop it, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[250, 500, 1000])
    parser.add_argument("--seconds", type=float, default=30.0, help="per rate")
    parser.add_argument("--background", type=int, default=5000, help="background customers")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for emails")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON here")
    args = parser.parse_args()
    run = Run(
        os.environ.get("WAYMARK_KAFKA_BOOTSTRAP", "127.0.0.1:19092"),
        os.environ.get("WAYMARK_MONGO_URL", "mongodb://127.0.0.1:27018/"),
    )
    env = run.env()
    for service in ("INGEST", "ENGINE_WORKER", "ENGINE_API", "DISPATCH", "ANALYTICS"):
        env[f"WAYMARK_{service}_LOG_LEVEL"] = "WARNING"
    say(f"e2e {run.id}: topics {run.prefix}*, logs in {run.local / 'logs'}")
    results: list[dict[str, Any]] = []
    traffic = Traffic(run, args.background)
    try:
        await run.create_topics()
        await start_all(run.procs, env)
        await load_examples(run.url("api"), run.keys["admin_token"])
        auth = httpx.BasicAuth(run.keys["write_key"], "")
        async with httpx.AsyncClient(base_url=run.url("ingest"), auth=auth, timeout=30) as c:
            say(f"identifying {args.background:,} background customers")
            await traffic.identify(c, traffic.background)
            say("warming up at 100 events/s for 5 s")
            await traffic.steady(c, 100, 5, [f"warm-{n}" for n in range(100)])
        for rate in args.rates:
            results.append(await measure_rate(run, traffic, rate, args.seconds, args.drain))
    finally:
        stop_all(run.procs)
        await run.remove_data()
        shutil.rmtree(run.local, ignore_errors=True)
    print(f"machine: {describe(machine())}")
    print(
        "end-to-end latency, a probe's request to ingest (answered 202) → its email in the sink "
        f"({args.seconds:.0f} s per rate, {PROBE_SHARE:.0%} of events are probes):"
    )
    for r in results:
        print(
            f"  {r['rate']:>6,.0f}/s (reached {r['reached_per_s']:>6,}/s): p50 {r.get('p50_ms')} ms"
            f"  p95 {r.get('p95_ms')} ms  p99 {r.get('p99_ms')} ms  "
            f"({r['probes']} probes, {r['missing']} missing)"
        )
    write_json(
        args.json,
        {"seconds": args.seconds, "probe_share": PROBE_SHARE, "rates": results},
    )


if __name__ == "__main__":
    asyncio.run(main())
