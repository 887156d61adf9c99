"""Editing an active journey pins customers inside to their version; new entries get the new one."""

from __future__ import annotations

import asyncio
from typing import Any

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import SendCommand

from .harness import Reader


def _journey(template: str) -> dict[str, Any]:
    return {
        "id": "pinned",
        "name": "Pinned",
        "type": "transactional",
        "trigger": {"event": "go"},
        "milestones": [
            {
                "id": "m",
                "name": "M",
                "steps": [
                    {"id": "pause", "wait": {"duration": "PT5S"}},
                    {"id": "mail", "send": {"channel": "email", "template": template}},
                ],
            }
        ],
    }


async def test_customers_inside_keep_version_one(bus: Any, make_worker: Any) -> None:
    await bus.publish_journey(_journey("v1-mail"), version=1)
    worker = make_worker()
    await worker.wait_ready()
    await bus.event("old", "identify", traits={"email": "old@example.com"})
    await bus.event("old", "track", name="go")
    await asyncio.sleep(1.5)
    await bus.publish_journey(_journey("v2-mail"), version=2)
    await asyncio.sleep(1.5)
    await bus.event("new", "identify", traits={"email": "new@example.com"})
    await bus.event("new", "track", name="go")
    async with Reader(bus.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane:
        records = await lane.until(
            lambda r: len([c for c in r if isinstance(c, SendCommand)]) >= 2,
            within=30,
            what="both sends",
        )
    sent = {c.customer_id: (c.journey_version, c.template) for c in records}
    assert sent == {"old": (1, "v1-mail"), "new": (2, "v2-mail")}
