"""`make demo`: the platform on the local stack over a bounded scenario, checked against a truth.

Starts what `make run` starts (sinks, trigger-ingest, the engine worker and API, channel-dispatch,
analytics) on free loopback ports, with topics, consumer groups and a database of this run
alone; loads the example templates and journeys through the API; sends every call of a seeded
scenario (deploy/local/demo_scenario.py) through trigger-ingest; waits until the figures settle;
prints the summary table — events in, entries per journey, messages per channel and status,
suppressions by reason, conversions, end-to-end latency — and exits 1 when any figure differs
from the simulator's run over the same calls. Everything it started is stopped, and its topics
and database removed, at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import socket
import sys
import time
import uuid
from collections.abc import Container, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiokafka.admin import AIOKafkaAdminClient

sys.path.insert(0, str(Path(__file__).parent))
from demo_scenario import Call, Scenario, daytime_zones, stamp
from demo_summary import (
    Figures,
    GroundTruth,
    compare,
    ground_truth,
    latencies,
    observed_figures,
    table,
)
from supervisor import (
    DEFAULT_PORTS,
    LOCAL,
    ROOT,
    Service,
    load_examples,
    services,
    start_all,
    stop_all,
)

from waymark.core.adapters.kafka.topics import ensure_topics, topic_specs
from waymark.core.adapters.mongo import connect
from waymark.core.journeys import Journey, load_journey
from waymark.core.settings import MongoSettings

PARTITIONS = 3
SINK_CHANNELS = ("email", "sms", "push", "webhook")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def example_journeys() -> list[Journey]:
    """The journeys of examples/journeys, as the simulator reads them."""
    paths = sorted((ROOT / "examples" / "journeys").glob("*.yaml"))
    return [load_journey(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in paths]


def metric_sum(text: str, name: str) -> float:
    """The sum over every label set of one metric in a Prometheus text page."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in ("{", " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Run:
    """The demo's own names, ports and processes."""

    def __init__(self, bootstrap: str, mongo_url: str) -> None:
        self.id = uuid.uuid4().hex[:8]
        self.prefix = f"demo{self.id}."
        self.database = f"demo{self.id}"
        self.bootstrap = bootstrap
        self.mongo_url = mongo_url
        self.local = LOCAL / "demo" / self.id
        self.ports = {name: free_port() for name in DEFAULT_PORTS}
        self.keys = {
            name: secrets.token_urlsafe(24)
            for name in ("write_key", "admin_token", "viewer_token", "webhook_secret")
        }
        self.keys["unsubscribe_secret"] = secrets.token_urlsafe(24)
        self.procs: list[Service] = services(self.ports, self.keys, self.local)

    def url(self, name: str) -> str:
        """Base URL of one service."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def env(self) -> dict[str, str]:
        """The shared environment: this run's topics, groups, database; quieter logs."""
        env = dict(os.environ)
        env.update(
            {
                "WAYMARK_KAFKA_BOOTSTRAP": self.bootstrap,
                "WAYMARK_KAFKA_TOPIC_PREFIX": self.prefix,
                "WAYMARK_KAFKA_PARTITIONS": str(PARTITIONS),
                "WAYMARK_MONGO_URL": self.mongo_url,
                "WAYMARK_MONGO_DATABASE": self.database,
                "WAYMARK_ENGINE_WORKER_APP_ID": f"{self.prefix}engine",
                "WAYMARK_DISPATCH_GROUP_ID": f"{self.prefix}dispatch",
                "WAYMARK_ANALYTICS_GROUP_ID": f"{self.prefix}analytics",
            }
        )
        return env

    async def create_topics(self) -> None:
        """Every topic of the platform under this run's prefix."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await ensure_topics(admin, topic_specs(self.prefix, PARTITIONS))
        finally:
            await admin.close()

    async def remove_data(self) -> None:
        """Delete this run's topics (the worker's changelogs too) and its database."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            mine = [t for t in await admin.list_topics() if t.startswith(self.prefix)]
            if mine:
                await admin.delete_topics(mine)
        finally:
            await admin.close()
        client = connect(MongoSettings(url=self.mongo_url, database=self.database))
        try:
            await client.drop_database(self.database)
        finally:
            await client.close()


async def report_inactive(run: Run) -> None:
    """Say which example journeys the API holds but not as active (they will show as off)."""
    headers = {"Authorization": f"Bearer {run.keys['admin_token']}"}
    async with httpx.AsyncClient(base_url=run.url("api"), headers=headers, timeout=30) as client:
        listed = (await client.get("/v1/journeys")).json()["journeys"]
    for journey in listed:
        if journey.get("status") != "active":
            print(
                f"  journey {journey.get('id')} is {journey.get('status')}, not active", flush=True
            )


async def send(run: Run, scenario: Scenario, rate: float) -> list[Call]:
    """Every story interleaved, about `rate` calls/s; the calls trigger-ingest accepted."""
    stories = [iter(story) for story in scenario.stories]
    accepted: list[Call] = []
    refused = 0
    auth = httpx.BasicAuth(run.keys["write_key"], "")
    last_report = time.monotonic()
    async with httpx.AsyncClient(base_url=run.url("ingest"), auth=auth, timeout=30) as client:
        while stories:
            wave: list[Call] = []
            for story in list(stories[:10]):
                step = next(story, None)
                if step is None:
                    stories.remove(story)
                else:
                    wave.extend(step)
            # Round-robin: the customers of this wave go to the back of the line.
            stories = stories[10:] + stories[:10]
            started = time.monotonic()
            now = stamp(datetime.now(UTC))
            for call in wave:
                call.timestamp = now
            items = [c for c in wave if c.kind != "trigger"]
            if items:
                answer = await client.post(
                    "/v1/batch", json={"batch": [c.batch_item() for c in items]}
                )
                if answer.status_code == 202:
                    accepted.extend(items)
                else:
                    refused += len(items)
            for call in (c for c in wave if c.kind == "trigger"):
                path = f"/v1/journeys/{call.fields['journey']}/trigger"
                answer = await client.post(path, json=call.trigger_body())
                if answer.status_code == 202:
                    accepted.append(call)
                else:
                    refused += 1
            if time.monotonic() - last_report > 5:
                print(
                    f"  sent {len(accepted)} calls, {len(stories)} customers still active",
                    flush=True,
                )
                last_report = time.monotonic()
            pause = len(wave) / rate - (time.monotonic() - started)
            if pause > 0:
                await asyncio.sleep(pause)
    print(f"  sent {len(accepted)} calls ({refused} refused)", flush=True)
    return accepted


async def observe(
    run: Run, client: httpx.AsyncClient, journeys: Sequence[Journey], expected: Container[str]
) -> tuple[Figures, dict[str, float]]:
    """The platform's figures now, and each message's arrival time in a sink by command id."""
    metrics = (await client.get(f"{run.url('ingest')}/metrics")).text
    events = int(metric_sum(metrics, "waymark_ingest_events_total"))
    summaries: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    analytics = run.url("analytics")
    empty_summary = {"total": {"entries": 0, "converted": 0, "suppressed_by_reason": []}}
    for journey in journeys:
        answer = await client.get(f"{analytics}/v1/journeys/{journey.id}/summary")
        summaries[journey.id] = answer.json() if answer.status_code == 200 else empty_summary
        answer = await client.get(f"{analytics}/v1/journeys/{journey.id}/messages")
        messages[journey.id] = answer.json() if answer.status_code == 200 else {"channels": []}
    sink = run.url("sink_http")
    arrived: dict[str, float] = {}
    in_sinks: dict[str, int] = {}
    receipts = (await client.get(f"{sink}/smtp/receipts")).json()["receipts"]
    in_sinks["email"] = len(receipts)
    for message_id, at in receipts:
        arrived[str(message_id).strip("<>").split("@", 1)[0]] = float(at)
    for channel in ("sms", "push", "webhook"):
        rows = (await client.get(f"{sink}/{channel}/messages")).json()["messages"]
        in_sinks[channel] = len(rows)
        for row in rows:
            key = row.get("idempotency_key") or row.get("headers", {}).get("Idempotency-Key")
            if key:
                arrived[str(key)] = float(row["received_at"])
    matched = sum(1 for command_id in arrived if command_id in expected)
    return observed_figures(events, summaries, messages, in_sinks, matched), arrived


async def settle(
    run: Run, journeys: Sequence[Journey], sent: Sequence[Call], within: float
) -> tuple[GroundTruth, Figures, dict[str, float]]:
    """Poll until the platform's figures equal the truth, or stop changing for `within` s."""
    last: dict[str, int] | None = None
    changed = time.monotonic()
    async with httpx.AsyncClient(timeout=30) as client:
        while True:
            truth = ground_truth(journeys, sent, datetime.now(UTC))
            observed, arrived = await observe(run, client, journeys, truth.caused_at)
            differences = compare(truth.figures, observed)
            if not differences:
                return truth, observed, arrived
            rows = observed.rows()
            if rows != last:
                last, changed = rows, time.monotonic()
            elif time.monotonic() - changed > within:
                return truth, observed, arrived
            print(f"  waiting for {len(differences)} figures, e.g. {differences[0]}", flush=True)
            await asyncio.sleep(2)


async def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; 0 when every figure matches the ground truth."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=150, help="customers in the scenario")
    parser.add_argument("--rate", type=float, default=100.0, help="calls per second")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--settle", type=float, default=30.0, help="seconds without change before giving up"
    )
    args = parser.parse_args(argv)
    run = Run(
        os.environ.get("WAYMARK_KAFKA_BOOTSTRAP", "127.0.0.1:19092"),
        os.environ.get("WAYMARK_MONGO_URL", "mongodb://127.0.0.1:27018/"),
    )
    journeys = example_journeys()
    scenario = Scenario(args.customers, daytime_zones(datetime.now(UTC)), args.seed)
    print(
        f"demo {run.id}: {args.customers} customers, {scenario.calls()} calls, "
        f"topics {run.prefix}*, database {run.database}, logs in {run.local / 'logs'}",
        flush=True,
    )
    ok = False
    try:
        await run.create_topics()
        await start_all(run.procs, run.env())
        await load_examples(run.url("api"), run.keys["admin_token"])
        await report_inactive(run)
        print("sending the scenario through trigger-ingest …", flush=True)
        sent = await send(run, scenario, args.rate)
        print("waiting for the figures to settle …", flush=True)
        truth, observed, arrived = await settle(run, journeys, sent, args.settle)
        differences = compare(truth.figures, observed)
        print()
        print(table(truth.figures, observed, latencies(truth.caused_at, arrived)))
        print()
        if differences:
            print(f"{len(differences)} figures differ from the ground truth:")
            for line in differences:
                print(f"  {line}")
        else:
            print("every figure matches the ground truth (the simulator over the same calls).")
        ok = not differences
    finally:
        print("stopping …", flush=True)
        stop_all(run.procs)
        await run.remove_data()
        if ok:
            shutil.rmtree(run.local, ignore_errors=True)
        else:
            print(f"logs kept in {run.local / 'logs'}", flush=True)
        print("stopped.", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
