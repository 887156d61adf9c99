"""Schemathesis over the analytics OpenAPI document, against the running process on real data:
no request gets a 5xx, every answer matches its documented schema, and refusals name the
field and the reason."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import schemathesis
from aiokafka.admin import AIOKafkaAdminClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from waymark.core.adapters.kafka.topics import Topic, ensure_topics, topic_specs
from waymark.core.adapters.mongo import connect
from waymark.core.contracts import DispatchOutcome
from waymark.core.settings import KafkaSettings, MongoSettings

from .simulation import SPRING_OFFER, Pair, entry, order, run, transition_records
from .support import AnalyticsProcess, Records, wait_caught_up

pytestmark = pytest.mark.timeout(900)

PLAIN: dict[str, Any] = {
    "id": "plain-news",
    "name": "Plain news",
    "type": "transactional",
    "trigger": {"event": "signed_up"},
    "milestones": [
        {"id": "news", "steps": [{"id": "news", "send": {"channel": "sms", "template": "news"}}]}
    ],
}
KNOWN = {"journey_id": ["spring-offer", "plain-news"], "customer_id": ["c0001", "c0002"]}
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _outcomes(result: Any) -> list[DispatchOutcome]:
    return [
        DispatchOutcome(
            outcome_id=f"{c.command_id}-{status}",
            command_id=c.command_id,
            customer_id=c.customer_id,
            journey_id=c.journey_id,
            journey_version=c.journey_version,
            entry_id=c.entry_id,
            step_id=c.step_id,
            channel=c.channel,
            status=status,  # type: ignore[arg-type]
            provider="smtp",
            at=c.at + timedelta(seconds=5),
        )
        for n, c in enumerate(result.commands)
        for status in (("sent", "opened") if n % 3 else ("failed",))
    ]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def analytics_url(
    kafka_bootstrap: str, mongo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A running analytics process over 60 simulated customers of two journeys."""
    token = uuid.uuid4().hex[:10]
    kafka = KafkaSettings(bootstrap=kafka_bootstrap, topic_prefix=f"t{token}.", partitions=3)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    specs = topic_specs(kafka.topic_prefix, kafka.partitions)
    assert (await ensure_topics(admin, specs)).ok
    pairs: list[Pair] = []
    for n in range(60):
        pairs += entry(f"c{n:04d}", T0 + timedelta(minutes=n), consent=n % 4 != 0)
        if n % 3 == 0:
            pairs.append(order(f"c{n:04d}", T0 + timedelta(minutes=n, hours=5)))
    result = run([SPRING_OFFER, PLAIN], pairs)
    process = AnalyticsProcess(
        kafka,
        mongo_url,
        f"t{token}",
        f"analytics-{token}",
        tmp_path_factory.mktemp("fuzz") / "analytics.log",
    )
    mongo = connect(MongoSettings(url=mongo_url))
    try:
        async with Records(kafka) as records:
            await records.journey(SPRING_OFFER)
            await records.journey(PLAIN)
            await records.send_raw(Topic.TRANSITIONS, transition_records(result))
            await records.send(Topic.EVENTS, [wire for _, wire in pairs])
            await records.send(Topic.OUTCOMES, _outcomes(result))
        process.start()
        await process.wait_ready()
        await wait_caught_up(kafka, process.group_id)
        yield process.url
    finally:
        process.stop()
        await mongo.drop_database(f"t{token}")
        await mongo.close()
        await admin.delete_topics([s.name for s in specs])
        await admin.close()


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def test_no_request_gets_a_server_error(analytics_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{analytics_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11
    cases = st.one_of(
        [
            operation.as_strategy(generation_mode=mode)
            for operation in operations
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
    )

    @given(case=cases, known=st.integers(0, 1))
    @settings(
        max_examples=400,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any, known: int) -> None:
        case.call_and_validate(checks=CHECKS)
        # The same request about journeys and customers that exist reaches the real queries.
        parameters = case.path_parameters or {}
        swapped = [name for name in KNOWN if name in parameters]
        for name in swapped:
            parameters[name] = KNOWN[name][known]
        if swapped:
            case.call_and_validate(checks=CHECKS)

    check()


async def test_refusals_name_the_field_and_the_reason(analytics_url: str) -> None:
    async with httpx.AsyncClient(base_url=analytics_url) as http:
        unknown = await http.get("/v1/journeys/no-such-journey/steps")
        no_split = await http.get("/v1/journeys/plain-news/lift")
        bad_metric = await http.get("/v1/journeys/spring-offer/timeseries?metric=nope")
        too_early = await http.get(
            "/v1/journeys/spring-offer/timeseries?metric=entries&days=366&until=0001-01-02"
        )
        no_version = await http.get("/v1/journeys/spring-offer/funnel?version=9")
        lift = await http.get("/v1/journeys/spring-offer/lift")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "errors": [{"field": "journey_id", "reason": "no journey no-such-journey"}]
    }
    assert no_split.status_code == 409
    assert no_split.json()["errors"][0]["field"] == "step_id"
    assert bad_metric.status_code == 422
    assert bad_metric.json()["errors"][0]["field"] == "metric"
    assert too_early.status_code == 422
    assert too_early.json()["errors"][0]["field"] == "until"
    assert no_version.status_code == 404
    assert no_version.json()["errors"][0]["field"] == "version"
    assert lift.status_code == 200
    assert lift.json()["control"]["customers"] + lift.json()["treatment"]["customers"] == 60
