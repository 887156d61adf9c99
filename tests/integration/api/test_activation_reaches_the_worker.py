"""A journey activated through the management API starts customers in a real worker, and
editing it while active pins the customers inside to version 1 while new ones get version 2."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from worker.harness import Bus, Reader, WorkerProcess

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import SendCommand

from .support import Api, template_document


def _journey(template: str) -> dict[str, Any]:
    return {
        "id": "order-thanks",
        "name": "Order thanks",
        "type": "transactional",
        "trigger": {"event": "order_completed"},
        "milestones": [
            {
                "id": "ordered",
                "name": "Ordered",
                "steps": [
                    {"id": "pause", "wait": {"duration": "PT4S"}},
                    {"id": "thanks", "send": {"channel": "email", "template": template}},
                ],
            }
        ],
    }


async def _order(bus: Bus, customer: str) -> None:
    await bus.event(customer, "identify", traits={"email": f"{customer}@example.com"})
    await bus.event(customer, "track", name="order_completed", properties={"order": customer})


async def test_activate_then_edit_while_customers_wait(
    api: Api, unique: str, tmp_path: Path
) -> None:
    for template in ("thanks-v1", "thanks-v2"):
        answer = await api.as_role(
            "editor", "POST", "/v1/templates", json=template_document(template, "transactional")
        )
        assert answer.status_code == 201, answer.text
    created = await api.as_role("editor", "POST", "/v1/journeys", json=_journey("thanks-v1"))
    assert created.status_code == 201, created.text
    activated = await api.as_role("editor", "POST", "/v1/journeys/order-thanks/activate")
    assert activated.status_code == 200, activated.text

    worker = WorkerProcess(
        api.kafka, app_id=f"engine-{unique}", data_dir=tmp_path / "w", log_path=tmp_path / "w.log"
    ).start()
    try:
        await worker.wait_ready()
        async with Bus(api.kafka) as bus:
            await _order(bus, "early")
            await asyncio.sleep(1.5)
            edited = await api.as_role(
                "editor", "PUT", "/v1/journeys/order-thanks", json=_journey("thanks-v2")
            )
            assert edited.status_code == 200, edited.text
            assert edited.json()["journey"]["version"] == 2, edited.json()
            await asyncio.sleep(1.5)  # the worker reads version 2 from the journeys topic
            await _order(bus, "late")
            async with Reader(api.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane:
                records = await lane.until(
                    lambda r: len([c for c in r if isinstance(c, SendCommand)]) >= 2,
                    within=40,
                    what="both thanks",
                )
        sent = {c.customer_id: (c.journey_version, c.template) for c in records}
        assert sent == {"early": (1, "thanks-v1"), "late": (2, "thanks-v2")}
    finally:
        worker.kill()
