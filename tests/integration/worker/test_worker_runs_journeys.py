"""A journey published to the catalog runs in a real worker: commands on the right lane,
transitions on their topic, waits that fire once, wait-for exits, exit_when cancelling waits."""

from __future__ import annotations

import asyncio
from typing import Any

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import SendCommand

from .harness import Reader

ORDER_CONFIRMATION = {
    "id": "order-confirmation",
    "name": "Order confirmation",
    "type": "transactional",
    "trigger": {"event": "order_completed"},
    "reentry": {"mode": "always"},
    "milestones": [
        {
            "id": "ordered",
            "name": "Ordered",
            "steps": [{"id": "confirm", "send": {"channel": "email", "template": "order-email"}}],
        }
    ],
}


def _commands(records: list[Any], customer: str) -> list[SendCommand]:
    return [r for r in records if isinstance(r, SendCommand) and r.customer_id == customer]


async def test_event_in_command_out_on_the_transactional_lane(bus: Any, make_worker: Any) -> None:
    await bus.publish_journey(ORDER_CONFIRMATION)
    worker = make_worker()
    await worker.wait_ready()
    await bus.event("c1", "identify", traits={"email": "c1@example.com"})
    await bus.event("c1", "track", name="order_completed", properties={"order_id": "o-1"})

    async with (
        Reader(bus.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane,
        Reader(bus.kafka, Topic.TRANSITIONS) as transitions,
    ):
        records = await lane.until(lambda r: len(_commands(r, "c1")) >= 1, what="a command")
        [command] = _commands(records, "c1")
        assert command.journey_id == "order-confirmation"
        assert command.template == "order-email"
        assert command.channel == "email"
        assert command.category == "transactional"
        assert command.recipient["email"] == "c1@example.com"
        assert command.event == {"name": "order_completed", "properties": {"order_id": "o-1"}}
        kinds = await transitions.until(
            lambda r: any(t.kind == "step_completed" for t in r), what="transitions"
        )
        assert [t.kind for t in kinds][:1] == ["entered"]
        assert all(t.journey_id == "order-confirmation" for t in kinds)
    async with Reader(bus.kafka, Topic.COMMANDS_MARKETING) as marketing:
        await marketing.poll()
        assert marketing.records == []


WAIT_THEN_SEND = {
    "id": "wait-then-send",
    "name": "Wait then send",
    "type": "transactional",
    "trigger": {"event": "started"},
    "exit_when": {"event": "cancelled"},
    "milestones": [
        {
            "id": "main",
            "name": "Main",
            "steps": [
                {"id": "pause", "wait": {"duration": "PT2S"}},
                {"id": "after-wait", "send": {"channel": "email", "template": "after-wait"}},
            ],
        }
    ],
}


async def test_wait_of_two_seconds_fires_once(bus: Any, make_worker: Any) -> None:
    await bus.publish_journey(WAIT_THEN_SEND)
    worker = make_worker()
    await worker.wait_ready()
    await bus.event("c2", "identify", traits={"email": "c2@example.com"})
    await bus.event("c2", "track", name="started")
    async with Reader(bus.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane:
        await lane.poll()
        assert _commands(lane.records, "c2") == []  # not before the wait is over
        await lane.until(lambda r: len(_commands(r, "c2")) == 1, within=20, what="the send")
        await asyncio.sleep(4)
        await lane.poll()
        assert len(_commands(lane.records, "c2")) == 1
    assert "waymark_engine_timers_fired_total 1.0" in worker.metrics()


async def test_exit_when_cancels_a_pending_wait(bus: Any, make_worker: Any) -> None:
    journey = {
        **WAIT_THEN_SEND,
        "milestones": [
            {
                "id": "main",
                "name": "Main",
                "steps": [
                    {"id": "pause", "wait": {"duration": "PT4S"}},
                    {"id": "after-wait", "send": {"channel": "email", "template": "after-wait"}},
                ],
            }
        ],
    }
    await bus.publish_journey(journey)
    worker = make_worker()
    await worker.wait_ready()
    await bus.event("c3", "identify", traits={"email": "c3@example.com"})
    await bus.event("c3", "track", name="started")
    await asyncio.sleep(1)
    await bus.event("c3", "track", name="cancelled")
    async with Reader(bus.kafka, Topic.TRANSITIONS) as transitions:
        records = await transitions.until(
            lambda r: any(t.kind == "exited" and t.customer_id == "c3" for t in r),
            what="the exit",
        )
        exited = [t for t in records if t.kind == "exited"]
        assert exited[0].reason
    await asyncio.sleep(5)
    async with Reader(bus.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane:
        await lane.poll()
        assert _commands(lane.records, "c3") == []


WAIT_FOR = {
    "id": "cart-reminder",
    "name": "Cart reminder",
    "type": "transactional",
    "trigger": {"event": "cart_abandoned"},
    "reentry": {"mode": "always"},
    "milestones": [
        {
            "id": "cart",
            "name": "Cart",
            "steps": [
                {
                    "id": "wait-order",
                    "wait_for": {
                        "event": "order_completed",
                        "match": {"event.properties.cart_id": "entry.properties.cart_id"},
                        "timeout": "PT3S",
                        "on_event": "thanks",
                        "on_timeout": "remind",
                    },
                },
                {"id": "remind", "send": {"channel": "email", "template": "remind"}},
                {"id": "done", "exit": {}},
                {"id": "thanks", "send": {"channel": "email", "template": "thanks"}},
            ],
        }
    ],
}


async def test_wait_for_takes_the_event_exit_or_the_timeout_exit(
    bus: Any, make_worker: Any
) -> None:
    await bus.publish_journey(WAIT_FOR)
    worker = make_worker()
    await worker.wait_ready()
    for customer in ("buyer", "leaver"):
        await bus.event(customer, "identify", traits={"email": f"{customer}@example.com"})
        await bus.event(customer, "track", name="cart_abandoned", properties={"cart_id": "k1"})
    await asyncio.sleep(0.5)
    # Another cart's order does not match; this cart's order does.
    await bus.event("buyer", "track", name="order_completed", properties={"cart_id": "other"})
    await bus.event("buyer", "track", name="order_completed", properties={"cart_id": "k1"})
    async with Reader(bus.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane:
        await lane.until(
            lambda r: len(_commands(r, "buyer")) == 1 and len(_commands(r, "leaver")) == 1,
            within=20,
            what="both exits",
        )
        await asyncio.sleep(4)
        await lane.poll()
        assert [c.template for c in _commands(lane.records, "buyer")] == ["thanks"]
        assert [c.template for c in _commands(lane.records, "leaver")] == ["remind"]
