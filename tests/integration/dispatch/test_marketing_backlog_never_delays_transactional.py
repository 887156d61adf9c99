"""With 100,000 marketing commands queued, transactional commands still go out at once: every
one reaches the SMTP sink while the marketing backlog is still nearly all queued."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    Outcomes,
    command,
    dispatch_settings,
    dispatcher_env,
    exited,
    lane_topic,
    produce,
    produce_packed,
    start_dispatcher,
    store_templates,
    template,
    wait_ready,
)

BACKLOG = 100_000
TRANSACTIONAL = 30
OVERTAKEN = BACKLOG // 10
"""The transactional sends must all be out before a tenth of the backlog is."""


async def _queued(kafka: KafkaSettings, topic: str) -> int:
    """Records on every partition of `topic`."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(kafka.partitions)]
        ends = await consumer.end_offsets(tps)
        return sum(ends.values())
    finally:
        await consumer.stop()


async def test_transactional_sends_overtake_a_100k_marketing_backlog(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
    tmp_path: Path,
) -> None:
    await store_templates(mongo_db, template("receipt"), template("promo", "marketing"))
    backlog = (command(i, category="marketing", template_id="promo") for i in range(BACKLOG))
    assert await produce_packed(kafka_topics, backlog) == BACKLOG
    assert await _queued(kafka_topics, lane_topic(kafka_topics, "marketing")) == BACKLOG

    env = dispatcher_env(kafka_topics, mongo_settings, sinks, unique)
    settings = dispatch_settings(sinks, unique, http_port=int(env["WAYMARK_DISPATCH_HTTP_PORT"]))
    process = start_dispatcher(env, tmp_path / "dispatch.log")
    urgent = [command(BACKLOG + i, template_id="receipt") for i in range(TRANSACTIONAL)]
    wanted = {f"<{c.command_id}@waymark.local>" for c in urgent}
    try:
        await wait_ready(settings)
        while len(sinks.mail.messages) < 500:
            assert process.poll() is None
            await asyncio.sleep(0.01)
        # The marketing lane is draining at full speed: now the password resets arrive.
        for group in range(0, TRANSACTIONAL, 5):
            await produce(kafka_topics, urgent[group : group + 5])
            await asyncio.sleep(0.1)
        # Bounded by the backlog, not by a clock: if transactional waited its turn, the
        # marketing count passes OVERTAKEN long before the last of them arrives.
        while not wanted <= {m.message_id for m in sinks.mail.messages}:
            assert process.poll() is None
            marketing = sum(1 for m in sinks.mail.messages if m.message_id not in wanted)
            assert marketing < OVERTAKEN, (
                f"{marketing} marketing emails went out before the transactional ones"
            )
            await asyncio.sleep(0.005)
        marketing_when_done = len(sinks.mail.messages) - TRANSACTIONAL
        async with Outcomes(kafka_topics) as outcomes:
            ids = {c.command_id for c in urgent}
            await outcomes.until(lambda seen: ids <= {o.command_id for o in seen}, 120)
    finally:
        # The rest of the backlog is of no interest: stop without draining it.
        process.send_signal(signal.SIGTERM)
        await exited(process, 60)

    assert marketing_when_done < OVERTAKEN
    statuses = {o.status for o in outcomes.seen if o.command_id in ids}
    assert statuses == {"sent"}
    sent_marketing = sum(1 for o in outcomes.seen if o.command_id not in ids)
    assert sent_marketing < BACKLOG // 2, "the backlog was still far from drained"
    print(
        f"all {TRANSACTIONAL} transactional sent after {marketing_when_done} of {BACKLOG} "
        "marketing emails"
    )
