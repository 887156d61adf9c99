"""A claim without a result, left by a dispatcher that died: SMTP reports `failed: unknown`,
a provider with an idempotency key gets the same key again, a claim made before any provider
call is decided afresh, and a live owner's claim is waited for, never taken."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.contracts import SendCommand
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    CODEC,
    Outcomes,
    command,
    dispatch_settings,
    lane_topic,
    running,
    store_templates,
    template,
)


async def _produce_at(kafka: KafkaSettings, commands: list[SendCommand]) -> list[str]:
    """Produce to partition 0 and return each record's `topic:partition:offset`."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)
    await producer.start()
    try:
        positions = []
        for cmd in commands:
            topic = lane_topic(kafka, cmd.category)
            value = CODEC.encode(topic, cmd.to_avro())
            meta = await producer.send_and_wait(
                topic, value, key=cmd.customer_id.encode(), partition=0
            )
            positions.append(f"{topic}:0:{meta.offset}")
        return positions
    finally:
        await producer.stop()


def _claim(cmd: SendCommand, source: str, owner: str, *, sending: bool) -> dict[str, Any]:
    return {
        "_id": cmd.command_id,
        "owner": owner,
        "source": source,
        "sending": sending,
        "channel": cmd.channel,
        "claimed_at": datetime.now(UTC),
    }


async def test_lost_claims_are_resolved_without_a_blind_resend(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, template("receipt"), template("code", sms={"body": "hi"}))
    email_mid_send = command(1)
    sms_mid_send = command(2, channel="sms", template_id="code")
    email_before_send = command(3)
    held_by_live_owner = command(4)
    commands = [email_mid_send, sms_mid_send, email_before_send, held_by_live_owner]
    sources = await _produce_at(kafka_topics, commands)
    claims = mongo_db["dispatch_claims"]
    await claims.insert_one(_claim(email_mid_send, sources[0], "dead", sending=True))
    await claims.insert_one(_claim(sms_mid_send, sources[1], "dead", sending=True))
    await claims.insert_one(_claim(email_before_send, sources[2], "dead", sending=False))
    await claims.insert_one(_claim(held_by_live_owner, sources[3], "alive", sending=True))
    owners = mongo_db["dispatch_owners"]
    await owners.insert_one({"_id": "alive", "seen_at": datetime.now(UTC)})

    async def beat() -> None:
        """The live owner's heartbeat, as a running dispatcher keeps it."""
        while True:
            await owners.update_one({"_id": "alive"}, {"$set": {"seen_at": datetime.now(UTC)}})
            await asyncio.sleep(0.3)

    heartbeat = asyncio.create_task(beat())
    try:
        settings = dispatch_settings(sinks, unique)
        async with (
            Outcomes(kafka_topics) as outcomes,
            running(settings, kafka_topics, mongo_settings),
        ):
            await outcomes.count(3)
            await asyncio.sleep(3.0)  # longer than owner_stale_s: only the heartbeat keeps it
            assert held_by_live_owner.command_id not in {o.command_id for o in outcomes.seen}
            # The live owner finishes its send and records the result itself.
            await mongo_db["dispatch_results"].insert_one(
                {
                    "_id": held_by_live_owner.command_id,
                    "owner": "alive",
                    "source": sources[3],
                    "status": "sent",
                    "provider": "smtp",
                    "provider_message_id": "q1",
                    "at": datetime.now(UTC),
                }
            )
            await outcomes.count(4)
            await outcomes.settle(1.0)
    finally:
        heartbeat.cancel()

    got = {o.command_id: (o.status, o.reason, o.provider_message_id) for o in outcomes.seen}
    assert len(outcomes.seen) == 4
    assert got[email_mid_send.command_id][:2] == ("failed", "unknown")
    assert got[sms_mid_send.command_id][:2] == ("sent", None)
    assert got[email_before_send.command_id][:2] == ("sent", None)
    assert got[held_by_live_owner.command_id] == ("sent", None, "q1")
    received = {m.message_id for m in sinks.mail.messages}
    assert received == {f"<{email_before_send.command_id}@waymark.local>"}
    assert [m["idempotency_key"] for m in sinks.providers.messages["sms"]] == [
        sms_mid_send.command_id
    ]
