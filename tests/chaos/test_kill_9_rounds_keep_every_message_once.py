"""kill -9 the engine worker, the dispatcher and analytics at random moments under steady load,
several rounds each, restarting them: every expected message is received exactly once or
reported `failed: unknown`, nothing marketing reaches a customer without consent, and analytics
equals the ground truth at the end."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Callable

import pytest

from .counting import (
    Observer,
    addresses_in_logs,
    check_analytics,
    check_guarantee,
    settle_consumers,
)
from .faults import slow_providers
from .processes import Platform
from .scenario import GroundTruth, Traffic, prepare

pytestmark = pytest.mark.timeout(420)

ROUNDS = 3
VICTIMS = ("worker", "dispatch", "analytics")
CUSTOMERS_PER_SECOND = 1.2
AFTER_LAST_KILL = 5.0
SLOW_SECONDS = 3.0


async def test_kill_9_rounds_keep_every_message_exactly_once(
    make_platform: Callable[..., Platform], kafka_bootstrap: str, mongo_url: str, unique: str
) -> None:
    seed = int(os.environ.get("WAYMARK_CHAOS_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    platform = make_platform(kafka_bootstrap, mongo_url)
    await prepare(platform.kafka, platform.mongo_url, platform.database)
    await platform.start()
    # Customers keep coming until the kills are over: the ground truth is those who came.
    enough = asyncio.Event()
    pool = GroundTruth.make(unique, 1000)
    traffic = Traffic(platform.ingest_url, pool, per_second=CUSTOMERS_PER_SECOND, until=enough)
    order = [name for _ in range(ROUNDS) for name in VICTIMS]
    rng.shuffle(order)
    injected: list[str] = []
    started = time.monotonic()

    async with Observer(platform.kafka, platform.sink_url) as observer:
        load = asyncio.create_task(traffic.run())
        for victim in order:
            await asyncio.sleep(rng.uniform(1.0, 5.0))
            if victim == "dispatch":
                # Slow providers for a moment, so the kill likely lands while sends are under
                # way: the restart must resolve those claims (resent with the key, or unknown).
                await slow_providers(platform.sink_url, SLOW_SECONDS)
                await asyncio.sleep(rng.uniform(0.5, SLOW_SECONDS))
            service = platform[victim]
            service.kill()
            at = time.monotonic() - started
            down = rng.uniform(0.0, 2.0)
            await asyncio.sleep(down)
            service.start()
            slowed = " (2 emails, 2 texts hanging)" if victim == "dispatch" else ""
            injected.append(f"kill -9 {victim}{slowed} at {at:.1f} s, restarted {down:.1f} s later")
            await service.wait_ready()
        await asyncio.sleep(AFTER_LAST_KILL)
        enough.set()
        await load
        truth = traffic.played()
        counted = await observer.settled(truth, within=240)
        await asyncio.sleep(2)  # time for a duplicate to show itself
        counted = await observer.settled(truth)

    print(f"\nseed {seed} (WAYMARK_CHAOS_SEED repeats it)")
    print("injected:\n  " + "\n  ".join(injected))
    print(
        f"traffic: {len(truth.customers)} customers, {traffic.calls} calls, statuses "
        f"{dict(traffic.statuses)}, {traffic.refused_connections} connection errors (retried)"
    )
    print(f"expected messages: {sum(truth.expected().values())}")
    print(f"counted: {counted.summary()}")
    assert [platform[v].kills for v in VICTIMS] == [ROUNDS] * len(VICTIMS)
    check_guarantee(truth, counted)

    await settle_consumers(platform.kafka, platform.token)
    numbers = await check_analytics(platform["analytics"].url, truth, counted)
    print(f"analytics: {numbers}")

    assert not platform.dead(), f"services that died by themselves: {platform.dead()}"
    logs = [s.log_text() for s in platform.services.values() if s.name != "sinks"]
    assert not addresses_in_logs(logs, truth.addresses()), "an address in clear in a log"
    recovered = Counter(
        line.split('"action": "', 1)[1].split('"', 1)[0]
        for line in platform["dispatch"].log_text().splitlines()
        if "claim_recovered" in line and '"action": "' in line
    )
    print(f"dispatch claims recovered after kills: {dict(recovered)}")
