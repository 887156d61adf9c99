"""Stop FerretDB for 30 s under load: dispatch and analytics back off (no crash, no restart),
say they are not ready while it is away, recover by themselves when it is back, and nothing is
lost or sent twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from .counting import Observer, check_analytics, check_guarantee, settle_consumers
from .faults import ReadinessLog
from .private_stack import PrivateServer, mongo_url_of
from .processes import Platform
from .scenario import GroundTruth, Traffic, prepare

pytestmark = pytest.mark.timeout(420)

CUSTOMERS = 50
CUSTOMERS_PER_SECOND = 1.5
DOWN_SECONDS = 30


async def test_ferretdb_outage_backs_off_and_recovers(
    private_ferretdb: PrivateServer,
    make_platform: Callable[..., Platform],
    kafka_bootstrap: str,
    unique: str,
) -> None:
    platform = make_platform(kafka_bootstrap, mongo_url_of(private_ferretdb))
    await prepare(platform.kafka, platform.mongo_url, platform.database)
    await platform.start()
    truth = GroundTruth.make(unique, CUSTOMERS)
    traffic = Traffic(platform.ingest_url, truth, per_second=CUSTOMERS_PER_SECOND)

    async with Observer(platform.kafka, platform.sink_url) as observer:
        load = asyncio.create_task(traffic.run())
        await asyncio.sleep(6)
        assert not load.done(), "FerretDB must stop under load"
        at_stop = (await observer.count()).summary()
        stopped_in = await asyncio.to_thread(private_ferretdb.stop)
        readiness = ReadinessLog(platform)
        readiness.open()
        await asyncio.sleep(DOWN_SECONDS)
        during = (await observer.count()).summary()
        down = await readiness.close()
        alive_while_down = not platform.dead()
        started_in = await asyncio.to_thread(private_ferretdb.start)
        back_at = time.monotonic()
        await asyncio.wait_for(load, 240)
        counted = await observer.settled(truth, within=240)
        await asyncio.sleep(2)
        counted = await observer.settled(truth)
    settled_after = time.monotonic() - back_at
    store_retries = sum(
        float(line.rsplit(" ", 1)[1])
        for line in (await platform["dispatch"].metrics()).splitlines()
        if line.startswith("waymark_dispatch_store_retries_total ")
    )

    print(
        f"\ninjected: FerretDB stopped (took {stopped_in:.1f} s) with {at_stop}, "
        f"down {DOWN_SECONDS} s, started again (took {started_in:.1f} s)"
    )
    print(f"counted at the end of the outage: {during}")
    print(f"readiness while down (status: samples): {down}")
    print(f"dispatch MongoDB operations retried: {store_retries:.0f}")
    print(f"traffic: {traffic.calls} calls, statuses {dict(traffic.statuses)}")
    print(f"counted: {counted.summary()}; all settled {settled_after:.0f} s after the restart")

    assert alive_while_down, f"services that died while FerretDB was down: {platform.dead()}"
    # Analytics says it cannot apply batches (its readiness) instead of pretending.
    assert down["analytics"].get(503, 0) > 0, "analytics stayed ready without its database"
    assert down["dispatch"].get(503, 0) > 0, "dispatch stayed ready without its database"
    # Dispatch waited and tried again (the same process, see below) instead of giving up.
    assert store_retries > 0, "dispatch never retried a MongoDB operation"
    check_guarantee(truth, counted)
    assert [s.starts for s in platform.services.values()] == [1] * len(platform.services)
    assert not platform.dead(), f"services that died: {platform.dead()}"
    for service in platform.services.values():
        await service.wait_ready(within=60)
    await settle_consumers(platform.kafka, platform.token)
    numbers = await check_analytics(platform["analytics"].url, truth, counted)
    print(f"analytics: {numbers}")
