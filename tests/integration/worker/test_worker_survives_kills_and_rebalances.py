"""Workers keep the guarantee across a kill -9 and a rebalance: customers resume from the
changelog, pending timers fire once, replayed commands keep their ids, nothing is lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import SendCommand

from .harness import Reader

TWO_SENDS = {
    "id": "welcome-series",
    "name": "Welcome series",
    "type": "transactional",
    "trigger": {"event": "signed_up"},
    "milestones": [
        {
            "id": "welcome",
            "name": "Welcome",
            "steps": [
                {"id": "hello", "send": {"channel": "email", "template": "hello"}},
                {"id": "pause", "wait": {"duration": "PT6S"}},
                {"id": "follow-up", "send": {"channel": "email", "template": "follow-up"}},
            ],
        }
    ],
}


def _by_customer(records: list[Any]) -> dict[str, list[SendCommand]]:
    out: dict[str, list[SendCommand]] = {}
    for record in records:
        if isinstance(record, SendCommand):
            out.setdefault(record.customer_id, []).append(record)
    return out


async def _sign_up(bus: Any, customers: list[str]) -> None:
    for customer in customers:
        await bus.event(customer, "identify", traits={"email": f"{customer}@example.com"})
        await bus.event(customer, "track", name="signed_up")


def _assert_once_each(records: list[Any], customers: list[str]) -> None:
    """Every customer got hello then follow-up; a repeated command repeats its id."""
    by_customer = _by_customer(records)
    for customer in customers:
        commands = by_customer.get(customer, [])
        distinct = {(c.step_id, c.command_id) for c in commands}
        steps = Counter(step for step, _ in distinct)
        assert steps == Counter({"hello": 1, "follow-up": 1}), (customer, commands)


async def test_kill_mid_journey_resumes_from_changelog(bus: Any, make_worker: Any) -> None:
    await bus.publish_journey(TWO_SENDS)
    first = make_worker("w1")
    await first.wait_ready()
    customers = [f"k{i}" for i in range(12)]
    await _sign_up(bus, customers)
    async with Reader(bus.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane:
        await lane.until(
            lambda r: all(len(_by_customer(r).get(c, [])) >= 1 for c in customers),
            what="every hello",
        )
        # Killed while every customer waits: no shutdown hook, no final commit.
        first.kill()
        second = make_worker("w2")
        await second.wait_ready()
        records = await lane.until(
            lambda r: all(
                any(c.step_id == "follow-up" for c in _by_customer(r).get(k, [])) for k in customers
            ),
            within=60,
            what="every follow-up after the restart",
        )
        await asyncio.sleep(8)  # time for any duplicate timer to show itself
        await lane.poll()
        _assert_once_each(lane.records, customers)
        assert records


async def test_two_workers_split_partitions_and_take_over(bus: Any, make_worker: Any) -> None:
    await bus.publish_journey(TWO_SENDS)
    one, two = make_worker("w1"), make_worker("w2")
    await one.wait_ready()
    await two.wait_ready()
    customers = [f"s{i}" for i in range(24)]
    await _sign_up(bus, customers)
    async with Reader(bus.kafka, Topic.COMMANDS_TRANSACTIONAL) as lane:
        # Two members joining may take a rebalance or two before every partition flows.
        await lane.until(
            lambda r: all(len(_by_customer(r).get(c, [])) >= 1 for c in customers),
            within=90,
            what="every hello",
        )
        inputs_one = _decided(one.metrics())
        inputs_two = _decided(two.metrics())
        assert inputs_one > 0
        assert inputs_two > 0, "the second worker got no partition"
        # Stopping one hands its customers and their pending timers to the other.
        two.stop()
        await lane.until(
            lambda r: all(
                any(c.step_id == "follow-up" for c in _by_customer(r).get(k, [])) for k in customers
            ),
            within=60,
            what="every follow-up after the hand-over",
        )
        await asyncio.sleep(8)
        await lane.poll()
        _assert_once_each(lane.records, customers)


def _decided(metrics_text: str) -> float:
    total = 0.0
    for line in metrics_text.splitlines():
        if line.startswith("waymark_engine_inputs_total{"):
            total += float(line.rsplit(" ", 1)[1])
    return total
