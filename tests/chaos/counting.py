"""What the fault tests count: commands issued, outcomes reported, messages received, the
consumer groups' progress and the analytics figures, each checked against the ground truth."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import CodecError, DispatchOutcome, SendCommand
from waymark.core.settings import KafkaSettings

from .scenario import CODEC, RECEIPT, WELCOME, GroundTruth, Key


class TopicReader:
    """Reads every partition of some topics from the start, decoding values as it goes."""

    def __init__(self, kafka: KafkaSettings, *topics: Topic) -> None:
        self.kafka = kafka
        self.names = [topic_name(t, kafka.topic_prefix) for t in topics]
        self.records: list[Any] = []
        self.undecodable = 0
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka.bootstrap,
            enable_auto_commit=False,
            isolation_level="read_committed",
            request_timeout_ms=15000,
        )

    async def __aenter__(self) -> TopicReader:
        await self.consumer.start()
        tps = [TopicPartition(n, p) for n in self.names for p in range(self.kafka.partitions)]
        self.consumer.assign(tps)
        await self.consumer.seek_to_beginning(*tps)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def poll(self) -> list[Any]:
        """Read what is there now; the records read so far."""
        while batch := await self.consumer.getmany(timeout_ms=300):
            for records in batch.values():
                for record in records:
                    try:
                        self.records.append(CODEC.decode_model(record.value))
                    except CodecError:
                        self.undecodable += 1  # a fault test's own malformed records
        return self.records


_MESSAGE_ID = re.compile(r"^<([^@>]+)@")


@dataclass
class Counted:
    """What was observed: commands issued, outcomes reported, messages received."""

    commands: dict[str, SendCommand]
    outcomes: dict[str, list[DispatchOutcome]]
    emails: Counter[str]
    texts: Counter[str]
    unattributed: int

    def received(self, command_id: str) -> int:
        """Messages the sinks received for a command."""
        return self.emails[command_id] + self.texts[command_id]

    def by_key(self) -> dict[Key, list[str]]:
        """Command ids per (journey, step, customer)."""
        grouped: dict[Key, list[str]] = {}
        for cid, cmd in self.commands.items():
            grouped.setdefault((cmd.journey_id, cmd.step_id, cmd.customer_id), []).append(cid)
        return grouped

    def unknown(self) -> set[str]:
        """Commands reported `failed: unknown` (a crash between the call and the ledger)."""
        return {
            cid
            for cid, found in self.outcomes.items()
            if [(o.status, o.reason) for o in found] == [("failed", "unknown")]
        }

    def summary(self) -> dict[str, int]:
        """Counts to print."""
        statuses = Counter(
            f"{o.status}:{o.reason}" if o.reason else o.status
            for found in self.outcomes.values()
            for o in found
        )
        return {
            "commands": len(self.commands),
            "outcomes": sum(len(v) for v in self.outcomes.values()),
            "emails received": sum(self.emails.values()),
            "texts received": sum(self.texts.values()),
            **{f"outcome {k}": v for k, v in sorted(statuses.items())},
        }


class Observer:
    """Follows the command lanes and the outcomes topic, and reads the sinks."""

    def __init__(self, kafka: KafkaSettings, sink_url: str) -> None:
        self.kafka = kafka
        self.sink_url = sink_url
        self.commands = TopicReader(kafka, Topic.COMMANDS_TRANSACTIONAL, Topic.COMMANDS_MARKETING)
        self.outcomes = TopicReader(kafka, Topic.OUTCOMES)

    async def __aenter__(self) -> Observer:
        await self.commands.__aenter__()
        await self.outcomes.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.commands.__aexit__(*exc)
        await self.outcomes.__aexit__(*exc)

    async def count(self) -> Counted:
        """Read what is there now."""
        commands: dict[str, SendCommand] = {}
        for cmd in await self.commands.poll():
            commands.setdefault(cmd.command_id, cmd)
        outcomes: dict[str, list[DispatchOutcome]] = {}
        for outcome in await self.outcomes.poll():
            outcomes.setdefault(outcome.command_id or "", []).append(outcome)
        async with httpx.AsyncClient(base_url=self.sink_url, timeout=30) as http:
            receipts = (await http.get("/smtp/receipts")).json()["receipts"]
            texts = (await http.get("/sms/messages")).json()["messages"]
        emails: Counter[str] = Counter()
        unattributed = 0
        for message_id, _ in receipts:
            found = _MESSAGE_ID.match(message_id or "")
            if found is None:
                unattributed += 1
            else:
                emails[found.group(1)] += 1
        return Counted(
            commands,
            outcomes,
            emails,
            Counter(t["idempotency_key"] for t in texts),
            unattributed,
        )

    async def settled(self, truth: GroundTruth, within: float = 180) -> Counted:
        """Wait until every expected message has its commands and each command an outcome."""
        wanted = truth.expected()
        deadline = time.monotonic() + within
        while True:
            counted = await self.count()
            grouped = counted.by_key()
            missing = [k for k, n in wanted.items() if len(grouped.get(k, [])) < n]
            open_commands = [c for c in counted.commands if c not in counted.outcomes]
            if not missing and not open_commands:
                return counted
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not settled: {len(missing)} expected messages without a command "
                    f"(e.g. {missing[:3]}), {len(open_commands)} commands without an outcome; "
                    f"counted {counted.summary()}"
                )
            await asyncio.sleep(0.5)


def check_guarantee(truth: GroundTruth, counted: Counted) -> None:
    """Every expected message received exactly once or reported `failed: unknown`; nothing
    else sent, nothing twice, nothing marketing to a customer without consent."""
    wanted = truth.expected()
    grouped = counted.by_key()
    wrong = {k: len(grouped.get(k, [])) for k in set(wanted) | set(grouped)}
    wrong = {k: n for k, n in wrong.items() if n != wanted.get(k, 0)}
    assert not wrong, f"distinct commands per (journey, step, customer) off: {wrong}"

    no_consent = truth.without_consent
    for cid, cmd in counted.commands.items():
        if cmd.category == "marketing":
            assert cmd.customer_id not in no_consent, f"marketing command {cid} without consent"
    unknown = counted.unknown()
    for cid in counted.commands:
        found = counted.outcomes.get(cid, [])
        assert len(found) == 1, f"command {cid} has {len(found)} outcomes: {found}"
        got = counted.received(cid)
        if cid in unknown:
            assert got <= 1, f"command {cid} reported unknown and received {got} times"
        else:
            assert (found[0].status, found[0].reason) == ("sent", None), found[0]
            assert got == 1, f"command {cid} reported sent and received {got} times"
    stray = (set(counted.emails) | set(counted.texts)) - set(counted.commands)
    assert not stray, f"{len(stray)} messages received that no command asked for"
    assert counted.unattributed == 0, "an email without the Message-ID of its command"
    assert max([*counted.emails.values(), *counted.texts.values(), 0]) <= 1


def unknown_per_step(counted: Counted) -> Counter[tuple[str, str]]:
    """`failed: unknown` commands per (journey, step)."""
    return Counter(
        (counted.commands[c].journey_id, counted.commands[c].step_id) for c in counted.unknown()
    )


def addresses_in_logs(texts: Iterable[str], addresses: Iterable[str]) -> list[str]:
    """The addresses that appear in clear in any of the texts."""
    joined = "\n".join(texts)
    return [a for a in addresses if a in joined]


async def wait_caught_up(
    kafka: KafkaSettings, group_id: str, topics: Iterable[Topic], within: float = 120
) -> None:
    """Wait until `group_id` committed past the last visible record of every partition.

    Transactional writers leave commit markers after their records, so a group that read
    everything commits the offset after the last record, not the log end: the target is
    found by reading the topics as the group does (read_committed).
    """
    tps = [
        TopicPartition(topic_name(t, kafka.topic_prefix), p)
        for t in topics
        for p in range(kafka.partitions)
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await admin.start()
    await consumer.start()
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    targets = dict.fromkeys(tps, 0)
    try:
        deadline = time.monotonic() + within
        behind: dict[TopicPartition, tuple[int, int]] = {}
        while time.monotonic() < deadline:
            ends = await consumer.end_offsets(tps)
            while any([await consumer.position(tp) < ends[tp] for tp in tps]):
                batch = await consumer.getmany(timeout_ms=300)
                for tp, records in batch.items():
                    if records:
                        targets[tp] = records[-1].offset + 1
            committed = await admin.list_consumer_group_offsets(group_id)
            behind = {
                tp: (committed[tp].offset if tp in committed else 0, target)
                for tp, target in targets.items()
                if target > (committed[tp].offset if tp in committed else 0)
            }
            if not behind:
                return
            await asyncio.sleep(0.5)
        raise AssertionError(f"group {group_id} still behind (committed, target): {behind}")
    finally:
        await consumer.stop()
        await admin.close()


def expected_analytics(truth: GroundTruth, counted: Counted) -> dict[str, Any]:
    """What analytics must say: the ground truth, less the sends reported `failed: unknown`."""
    everyone = len(truth.customers)
    refused = len(truth.without_consent)
    consenting = everyone - refused
    payments = sum(c.payments for c in truth.customers)
    unknown = unknown_per_step(counted)
    found: dict[str, Any] = {
        f"{WELCOME}/entries": everyone,
        f"{WELCOME}/suppressed": {"no_consent": 2 * refused} if refused else {},
        f"{RECEIPT}/entries": payments,
    }
    # A step counts `failed` from the engine's step_failed transitions, which it notes only
    # while the customer is still in the journey; both journeys end at their last send, so
    # an outcome never finds its instance and the steps report 0 failed. The failures are
    # counted per message (sent, failed) below.
    for step, channel in (("welcome-email", "email"), ("welcome-sms", "sms")):
        failed = unknown[(WELCOME, step)]
        found[f"{WELCOME}/{step}"] = (everyone, consenting, refused, 0)
        found[f"{WELCOME}/{channel}"] = (consenting - failed, failed)
    failed = unknown[(RECEIPT, "receipt")]
    found[f"{RECEIPT}/receipt"] = (payments, payments, 0, 0)
    found[f"{RECEIPT}/email"] = (payments - failed, failed)
    return found


async def analytics_numbers(url: str) -> dict[str, Any]:
    """The same figures as `expected_analytics`, read from the analytics API."""
    found: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        for journey in (WELCOME, RECEIPT):
            summary = (await http.get(f"/v1/journeys/{journey}/summary")).json()["total"]
            found[f"{journey}/entries"] = summary["entries"]
            if journey == WELCOME:
                found[f"{journey}/suppressed"] = {
                    r["reason"]: r["count"] for r in summary["suppressed_by_reason"]
                }
            for step in (await http.get(f"/v1/journeys/{journey}/steps")).json()["steps"]:
                found[f"{journey}/{step['step_id']}"] = (
                    step["entered"],
                    step["completed"],
                    step["suppressed"],
                    step["failed"],
                )
            messages = (await http.get(f"/v1/journeys/{journey}/messages")).json()
            for channel in messages["channels"]:
                found[f"{journey}/{channel['channel']}"] = (channel["sent"], channel["failed"])
    return found


async def check_analytics(
    url: str, truth: GroundTruth, counted: Counted, within: float = 60
) -> dict[str, Any]:
    """Wait (bounded) until analytics equals the ground truth; fail with the difference."""
    wanted = expected_analytics(truth, counted)
    deadline = time.monotonic() + within
    while True:
        found = await analytics_numbers(url)
        if found == wanted:
            return found
        if time.monotonic() > deadline:
            diff = {
                k: (found.get(k), wanted.get(k))
                for k in set(found) | set(wanted)
                if found.get(k) != wanted.get(k)
            }
            raise AssertionError(f"analytics differs from the ground truth (found, wanted): {diff}")
        await asyncio.sleep(1)


async def settle_consumers(kafka: KafkaSettings, token: str) -> None:
    """Wait until the engine and analytics committed everything written so far."""
    await wait_caught_up(kafka, f"engine-{token}", (Topic.EVENTS, Topic.OUTCOMES, Topic.TICKS))
    await wait_caught_up(
        kafka, f"analytics-{token}", (Topic.TRANSITIONS, Topic.OUTCOMES, Topic.EVENTS)
    )
