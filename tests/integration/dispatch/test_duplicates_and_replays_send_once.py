"""The same commands delivered twice, then replayed with the same ids: still one message each."""

from __future__ import annotations

from typing import Any

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    Outcomes,
    by_command,
    command,
    dispatch_settings,
    produce,
    running,
    store_templates,
    template,
)

N = 40


async def test_commands_delivered_twice_and_replayed_are_sent_once(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, template("receipt"), template("code", sms={"body": "hi"}))
    emails = [command(i) for i in range(N)]
    texts = [command(i, channel="sms", template_id="code") for i in range(N)]
    settings = dispatch_settings(sinks, unique)
    async with Outcomes(kafka_topics) as outcomes, running(settings, kafka_topics, mongo_settings):
        # Delivered twice before dispatch has seen either copy: one batch holds both.
        await produce(kafka_topics, emails + texts + emails + texts)
        await outcomes.count(2 * N)
        # An engine replay much later: the same ids again, after the first outcomes committed.
        await produce(kafka_topics, emails + texts)
        await outcomes.settle(3.0)

    assert len(sinks.mail.messages) == N
    assert len({m.message_id for m in sinks.mail.messages}) == N
    assert len(sinks.providers.messages["sms"]) == N
    grouped = by_command(outcomes.seen)
    assert set(grouped) == {c.command_id for c in emails + texts}
    assert all(len(found) == 1 for found in grouped.values()), "one outcome per command"
    assert all(found[0].status == "sent" for found in grouped.values())
