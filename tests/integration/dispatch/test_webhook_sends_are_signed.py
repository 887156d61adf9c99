"""A webhook send posts the command's context, signed with the shared secret."""

from __future__ import annotations

import json
from typing import Any

from waymark.channel_dispatch.senders.webhook import signature
from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import Outcomes, command, dispatch_settings, produce, running


async def test_webhook_body_is_signed_and_keyed_by_command(
    kafka_topics: KafkaSettings,
    mongo_settings: MongoSettings,
    mongo_db: Any,
    sinks: Sinks,
    unique: str,
) -> None:
    cmd = command(1, channel="webhook", template_id="crm-sync")
    settings = dispatch_settings(sinks, unique, webhook_secret="s3cret")
    async with Outcomes(kafka_topics) as outcomes, running(settings, kafka_topics, mongo_settings):
        await produce(kafka_topics, [cmd])
        await outcomes.count(1)

    assert outcomes.seen[0].status == "sent"
    (hook,) = sinks.providers.messages["webhook"]
    body = hook["body"].encode()
    document = json.loads(body)
    assert document["command_id"] == cmd.command_id
    assert document["entry"]["properties"]["order_id"] == "o1"
    assert hook["headers"]["Idempotency-Key"] == cmd.command_id
    header = hook["headers"]["Waymark-Signature"]
    timestamp = int(header.split(",")[0].removeprefix("t="))
    assert header == signature("s3cret", timestamp, body)
    assert header != signature("other", timestamp, body)
