"""A schedule-triggered journey enters, at each fire, every known customer the worker owns
that matches the audience — and nobody else."""

from __future__ import annotations

import asyncio
from typing import Any

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import SendCommand

from .harness import Reader

VIP_DIGEST = {
    "id": "vip-digest",
    "name": "VIP digest",
    "type": "transactional",
    # Every ten seconds (croniter's sixth field), so the test sees a fire quickly.
    "trigger": {
        "schedule": {"cron": "* * * * * */10", "audience": {"attr": "profile.vip", "eq": True}}
    },
    "reentry": {"mode": "never"},
    "milestones": [
        {
            "id": "m",
            "name": "M",
            "steps": [{"id": "digest", "send": {"channel": "email", "template": "digest"}}],
        }
    ],
}


async def test_schedule_fires_for_the_audience_only(bus: Any, make_worker: Any) -> None:
    worker = make_worker()
    await worker.wait_ready()
    for customer, vip in (("vip-1", True), ("vip-2", True), ("regular", False)):
        await bus.event(customer, "identify", traits={"email": f"{customer}@x.test", "vip": vip})
    await bus.publish_journey(VIP_DIGEST)
    async with Reader(bus.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane:
        records = await lane.until(
            lambda r: (
                {c.customer_id for c in r if isinstance(c, SendCommand)} >= {"vip-1", "vip-2"}
            ),
            within=60,
            what="the digest for both VIPs",
        )
        await asyncio.sleep(11)  # at least one more fire
        await lane.poll()
    sent = [c.customer_id for c in lane.records if isinstance(c, SendCommand)]
    assert records
    assert "regular" not in sent
    # reentry never: a later fire does not send again.
    assert sorted(sent) == ["vip-1", "vip-2"]
