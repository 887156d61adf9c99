"""Stop and restart the Kafka broker mid-load: ingest answers 503 while it is down, clients that
retry lose nothing, and every service recovers by itself (same process, no restart)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from .counting import Observer, check_analytics, check_guarantee, settle_consumers
from .faults import ReadinessLog, inject_provider_fault
from .private_stack import PrivateServer, kafka_bootstrap_of
from .processes import Platform
from .scenario import GroundTruth, Traffic, prepare

pytestmark = pytest.mark.timeout(420)

CUSTOMERS = 50
CUSTOMERS_PER_SECOND = 1.5
DOWN_SECONDS = 10


async def test_broker_restart_under_load_loses_nothing(
    private_kafka: PrivateServer,
    make_platform: Callable[..., Platform],
    mongo_url: str,
    unique: str,
) -> None:
    platform = make_platform(kafka_bootstrap_of(private_kafka), mongo_url)
    await prepare(platform.kafka, platform.mongo_url, platform.database)
    await platform.start()
    truth = GroundTruth.make(unique, CUSTOMERS)
    traffic = Traffic(platform.ingest_url, truth, per_second=CUSTOMERS_PER_SECOND)
    load = asyncio.create_task(traffic.run())

    await asyncio.sleep(8)
    assert not load.done(), "the broker must stop under load"
    before = dict(traffic.statuses)
    # A few texts hang at the provider, so dispatch finishes sends while the broker is away.
    await inject_provider_fault(
        platform.sink_url, {"target": "sms", "hang_s": 4.0, "status": 500, "times": 3}
    )
    stopped_in = await asyncio.to_thread(private_kafka.stop)
    readiness = ReadinessLog(platform)
    readiness.open()
    at_stop = traffic.statuses.copy()
    await asyncio.sleep(DOWN_SECONDS)
    while_down = traffic.statuses - at_stop
    down = await readiness.close()
    started_in = await asyncio.to_thread(private_kafka.start)
    recovered_at = time.monotonic()

    await asyncio.wait_for(load, 240)
    async with Observer(platform.kafka, platform.sink_url) as observer:
        counted = await observer.settled(truth, within=240)
        await asyncio.sleep(2)
        counted = await observer.settled(truth)
    delivered_after = time.monotonic() - recovered_at

    print(
        "\ninjected: 3 texts hanging 4 s at the provider, then the broker stopped"
        f" (took {stopped_in:.1f} s) after {before} answers, "
        f"down {DOWN_SECONDS} s, started again (took {started_in:.1f} s)"
    )
    print(f"answers while the broker was down: {dict(while_down)}")
    print(f"readiness while down (status: samples): {down}")
    print(
        f"traffic: {traffic.calls} calls, statuses {dict(traffic.statuses)}, "
        f"{traffic.refused_connections} connection errors (retried)"
    )
    print(f"counted: {counted.summary()}; all settled {delivered_after:.0f} s after the restart")

    assert while_down[503] > 0, "ingest did not answer 503 while the broker was down"
    assert while_down[202] == 0, "ingest accepted a call with no broker to write it to"
    assert down["ingest"].get(503, 0) > 0, "ingest stayed ready without a broker"
    # Dispatch, analytics and the worker say they cannot reach the broker instead of pretending.
    assert down["dispatch"].get(503, 0) > 0, "dispatch stayed ready without a broker"
    assert down["analytics"].get(503, 0) > 0, "analytics stayed ready without a broker"
    assert down["worker"].get(503, 0) > 0, "the engine worker stayed ready without a broker"
    assert len(traffic.accepted) == 4 * CUSTOMERS + sum(c.payments for c in truth.customers)
    check_guarantee(truth, counted)

    # Recovered by itself: the same processes, none restarted, every one ready again.
    assert [s.starts for s in platform.services.values()] == [1] * len(platform.services)
    assert not platform.dead(), f"services that died: {platform.dead()}"
    for service in platform.services.values():
        await service.wait_ready(within=60)
    await settle_consumers(platform.kafka, platform.token)
    numbers = await check_analytics(platform["analytics"].url, truth, counted)
    print(f"analytics: {numbers}")
