"""The scripted run (see `scripted_run`) through the real engine worker, the real
channel-dispatch process with the development sinks, trigger-ingest's provider webhooks and the
analytics process: every aggregate holds exactly the numbers the script implies, replaying the
topics changes nothing, `rebuild` gives the live numbers, and the trace explains the skipped
sends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiokafka.admin import AIOKafkaAdminClient
from dispatch.support import (
    SinkProcess,
    dispatch_settings,
    dispatcher_env,
    exited,
    start_dispatcher,
    store_templates,
    wait_ready,
)
from ingest.support import running_ingest
from worker.harness import Bus, WorkerProcess

from waymark.core.adapters.kafka.topics import ensure_topics, topic_specs
from waymark.core.adapters.mongo import connect
from waymark.core.settings import KafkaSettings, MongoSettings

from .scripted_run import (
    CUSTOMERS,
    JOURNEYS,
    ORDER_CONFIRMATION,
    REFUSED,
    TEMPLATES,
    WELCOME,
    dispatched,
    follow_unsubscribe_link,
    play_customers,
    report_provider_events,
    wait_for_engine,
)
from .support import (
    AGGREGATED,
    AnalyticsProcess,
    Records,
    read_all,
    run_cli,
    snapshot,
    wait_caught_up,
)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(600)]


@dataclass
class Run:
    """The finished scripted run: its topics, the live analytics and its numbers."""

    kafka: KafkaSettings
    mongo_url: str
    token: str
    workdir: Path
    live: AnalyticsProcess
    today: str
    numbers: dict[str, Any]

    def process(self, name: str, **overrides: Any) -> AnalyticsProcess:
        """Another analytics process on the run's topics."""
        values: dict[str, Any] = {
            "kafka": self.kafka,
            "mongo_url": self.mongo_url,
            "database": self.live.database,
            "group_id": f"analytics-{self.token}-{name}",
            "log_path": self.workdir / f"{name}.log",
        }
        values.update(overrides)
        return AnalyticsProcess(**values).start()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run(
    kafka_bootstrap: str, mongo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Run]:
    """Run the script once for every test of this module."""
    token = uuid.uuid4().hex[:10]
    today = datetime.now(UTC).date().isoformat()
    workdir = tmp_path_factory.mktemp("engine-run")
    kafka = KafkaSettings(bootstrap=kafka_bootstrap, topic_prefix=f"t{token}.", partitions=3)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    specs = topic_specs(kafka.topic_prefix, kafka.partitions)
    assert (await ensure_topics(admin, specs)).ok
    mongo = connect(MongoSettings(url=mongo_url))
    databases = [f"t{token}", f"t{token}r", f"t{token}d"]
    dispatch_mongo = MongoSettings(url=mongo_url, database=databases[2])
    await store_templates(mongo[dispatch_mongo.database], *TEMPLATES)
    worker = WorkerProcess(kafka, f"engine-{token}", workdir / "w1", workdir / "w1.log")
    live = AnalyticsProcess(
        kafka, mongo_url, databases[0], f"analytics-{token}-live", workdir / "live.log"
    )
    dispatcher = None
    try:
        async with (
            SinkProcess(workdir / "sinks.log") as sinks,
            Bus(kafka) as bus,
            running_ingest(kafka) as ingest,
        ):
            await sinks.mail_fault(**REFUSED)
            env = dispatcher_env(
                kafka, dispatch_mongo, sinks, token, WAYMARK_KAFKA_PARTITIONS=str(kafka.partitions)
            )
            dispatcher = start_dispatcher(env, workdir / "dispatch.log")
            await bus.publish_journey(WELCOME)
            await bus.publish_journey(ORDER_CONFIRMATION)
            worker.start()
            live.start()
            await worker.wait_ready()
            await live.wait_ready()
            await wait_ready(
                dispatch_settings(sinks, token, http_port=int(env["WAYMARK_DISPATCH_HTTP_PORT"]))
            )
            await play_customers(bus)
            await wait_for_engine(bus)
            sent = await dispatched(kafka)
            await report_provider_events(sinks, ingest.http, sent)
            await follow_unsubscribe_link(sinks, sent)
        await wait_caught_up(kafka, live.group_id)
        numbers = snapshot(live, JOURNEYS, CUSTOMERS, today)
        yield Run(kafka, mongo_url, token, workdir, live, today, numbers)
    finally:
        if dispatcher is not None:
            dispatcher.terminate()
            await exited(dispatcher, 60)
        live.stop()
        worker.kill()
        for name in databases:
            await mongo.drop_database(name)
        await mongo.close()
        await admin.delete_topics([s.name for s in specs])
        await admin.close()


def _by_step(steps: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {
        s["step_id"]: (
            s["kind"],
            s["channel"],
            s["entered"],
            s["completed"],
            s["suppressed"],
            s["failed"],
            s["in_step"],
            s["status"],
        )
        for s in steps
    }


async def test_every_aggregate_counts_the_scripted_run_exactly(run: Run) -> None:
    numbers = run.numbers
    welcome = numbers["welcome-series/summary"]["total"]
    assert welcome == {
        "version": None,
        "entries": 5,
        "in_progress": 3,
        "completed": 0,
        "exited": 2,
        "converted": 1,
        "suppressed": 2,
        "exits_by_reason": [{"reason": "exit_when", "count": 1}, {"reason": "goal", "count": 1}],
        "suppressed_by_reason": [{"reason": "no_consent", "count": 2}],
    }
    assert [v["version"] for v in numbers["welcome-series/summary"]["versions"]] == [1]

    steps = numbers["welcome-series/steps"]["steps"]
    assert [s["step_id"] for s in steps] == [
        "welcome",
        "pause",
        "nudge",
        "await-app",
        "late-offer",
        "thanks",
    ]
    assert _by_step(steps) == {
        "welcome": ("send", "email", 3, 2, 1, 0, 0, "completed"),
        "pause": ("wait", None, 3, 2, 0, 0, 0, "completed"),
        "nudge": ("send", "sms", 2, 1, 1, 0, 0, "completed"),
        "await-app": ("wait_for", None, 2, 0, 0, 0, 2, "in progress"),
        "late-offer": ("send", "email", 0, 0, 0, 0, 0, "pending"),
        "thanks": ("send", "email", 1, 1, 0, 0, 0, "completed"),
    }
    assert steps[0]["suppressed_by_reason"] == [{"reason": "no_consent", "count": 1}]

    funnel = numbers["welcome-series/funnel"]
    assert funnel["entries"] == 5
    assert funnel["converted"] == 1
    assert funnel["conversion_rate"] == 0.2
    assert [
        (m["milestone_id"], m["entered"], m["reached"], m["rate_from_previous"])
        for m in funnel["milestones"]
    ] == [("registered", 3, 4, 0.8), ("first-purchase", 1, 1, 0.25)]

    marketing = numbers["stats/marketing"]
    assert marketing["type"] == "marketing"
    [row] = marketing["journeys"]
    assert {k: row[k] for k in row if k != "activities"} == {
        "journey_id": "welcome-series",
        "name": "Welcome series",
        "type": "marketing",
        "status": "active",
        "version": 1,
        "steps": 6,
        "steps_in_progress": 1,
        "steps_completed": 4,
        "executions": 5,
        "in_progress": 3,
        "completed": 0,
        "exited": 2,
        "conversions": 1,
        "conversion_rate": 0.2,
    }
    assert [(a["step_id"], a["kind"], a["channel"], a["status"]) for a in row["activities"]] == [
        ("welcome", "send", "email", "completed"),
        ("pause", "wait", None, "completed"),
        ("nudge", "send", "sms", "completed"),
        ("await-app", "wait_for", None, "in progress"),
        ("late-offer", "send", "email", "pending"),
        ("thanks", "send", "email", "completed"),
    ]
    [order] = numbers["stats/transactional"]["journeys"]
    assert (order["journey_id"], order["steps"], order["executions"], order["completed"]) == (
        "order-confirmation",
        1,
        3,
        3,
    )
    assert (order["in_progress"], order["steps_completed"], order["conversions"]) == (0, 1, 0)

    messages = {c["channel"]: c for c in numbers["welcome-series/messages"]["channels"]}
    email = {k: v for k, v in messages["email"].items() if k not in ("channel", "rates")}
    assert email == {
        "sent": 3,
        "delivered": 2,
        "failed": 0,
        "bounced": 1,
        "suppressed": 0,
        "expired": 0,
        "opened": 1,
        "clicked": 1,
        "unsubscribed": 1,
    }
    assert messages["email"]["rates"] == {
        "delivery_rate": 2 / 3,
        "open_rate": 0.5,
        "click_rate": 0.5,
        "click_to_open_rate": 1.0,
        "bounce_rate": 1 / 3,
        "failure_rate": 0.0,
        "unsubscribe_rate": 0.5,
    }
    assert (messages["sms"]["sent"], messages["sms"]["delivered"]) == (1, 1)
    total = numbers["welcome-series/messages"]["total"]
    assert (total["sent"], total["delivered"], total["opened"]) == (4, 3, 1)
    confirm = numbers["order-confirmation/messages"]["channels"][0]
    assert (confirm["sent"], confirm["delivered"], confirm["failed"]) == (2, 2, 1)
    assert confirm["rates"]["failure_rate"] == 1 / 3

    def series(journey: str, metric: str) -> int:
        return sum(d["value"] for d in numbers[f"{journey}/timeseries/{metric}"]["days"])

    assert [
        series("welcome-series", m)
        for m in ("entries", "exited", "converted", "suppressed", "sent", "opened")
    ] == [5, 2, 1, 2, 4, 1]
    assert series("order-confirmation", "entries") == 3


async def test_metrics_count_each_record_once_with_bounded_labels(run: Run) -> None:
    assert run.live.status("/healthz") == 200
    text = run.live.metrics()
    marketing = 'journey_id="welcome-series",journey_type="marketing"'
    transactional = 'journey_id="order-confirmation",journey_type="transactional"'
    for line in (
        f"waymark_analytics_entries_total{{{marketing}}} 5.0",
        f"waymark_analytics_entries_total{{{transactional}}} 3.0",
        f"waymark_analytics_conversions_total{{{marketing}}} 1.0",
        f'waymark_analytics_suppressions_total{{{marketing},reason="no_consent"}} 2.0',
        f'waymark_analytics_exits_total{{{marketing},reason="exit_when"}} 1.0',
        f'waymark_analytics_messages_total{{channel="email",{marketing},status="opened"}} 1.0',
        f'waymark_analytics_messages_total{{channel="email",{transactional},status="failed"}} 1.0',
        'waymark_analytics_event_to_send_seconds_count{channel="email",'
        'journey_type="marketing"} 3.0',
        'waymark_analytics_event_to_send_seconds_count{channel="email",'
        'journey_type="transactional"} 2.0',
    ):
        assert line in text, line
    assert "alice" not in text


async def test_trace_shows_each_send_skipped_for_no_consent(run: Run) -> None:
    trace = run.numbers["trace/bob"]
    skipped = [
        (e["journey_id"], e["step_id"], e["channel"], e["reason"])
        for e in trace["skipped"]
        if e["kind"] == "suppressed"
    ]
    assert skipped == [
        ("welcome-series", "nudge", "sms", "no_consent"),
        ("welcome-series", "welcome", "email", "no_consent"),
    ]
    explained = [e["explanation"] for e in trace["skipped"] if e["kind"] == "suppressed"]
    assert explained[1] == "not sent: the customer has not granted marketing consent on email"
    [failed] = [e for e in trace["skipped"] if e["source"] == "outcome"]
    assert (failed["journey_id"], failed["status"], failed["reason"]) == (
        "order-confirmation",
        "failed",
        "smtp_554",
    )
    kinds = [e["kind"] for e in trace["decisions"] if e["journey_id"] == "welcome-series"]
    assert kinds[::-1][:4] == ["entered", "milestone_entered", "step_entered", "suppressed"]
    # alice consented: nothing of hers was skipped but the bounced-free sends.
    assert [e for e in run.numbers["trace/alice"]["skipped"] if e["kind"] == "suppressed"] == []


async def test_replaying_the_topics_changes_nothing(run: Run) -> None:
    # Every record again, as an engine or dispatch replay would redeliver them.
    async with Records(run.kafka) as records:
        for topic in AGGREGATED:
            await records.send_raw(topic, await read_all(run.kafka, topic))
    await wait_caught_up(run.kafka, run.live.group_id)
    assert snapshot(run.live, JOURNEYS, CUSTOMERS, run.today) == run.numbers

    # A second consumer group reading everything from the earliest offset into the same store.
    second = run.process("replay")
    try:
        await second.wait_ready()
        await wait_caught_up(run.kafka, second.group_id)
        assert snapshot(second, JOURNEYS, CUSTOMERS, run.today) == run.numbers
    finally:
        second.stop()


async def test_rebuild_into_a_fresh_database_matches_the_live_numbers(run: Run) -> None:
    target = f"t{run.token}r"
    env = run.live.environment()
    code, out, err = await run_cli(env, "rebuild", "--database", target)
    assert code == 0, err
    assert f"rebuilt into database {target}" in out

    rebuilt = run.process("rebuilt", database=target, consume=False)
    try:
        await rebuilt.wait_ready()
        assert snapshot(rebuilt, JOURNEYS, CUSTOMERS, run.today) == run.numbers
    finally:
        rebuilt.stop()

    code, _, err = await run_cli(env, "rebuild", "--database", target)
    assert code == 1
    assert "already holds analytics aggregates" in err
    code, _, err = await run_cli(env, "rebuild", "--database", target, "--drop")
    assert code == 0, err
    rebuilt = run.process("rebuilt-again", database=target, consume=False)
    try:
        await rebuilt.wait_ready()
        assert snapshot(rebuilt, JOURNEYS, CUSTOMERS, run.today) == run.numbers
    finally:
        rebuilt.stop()
