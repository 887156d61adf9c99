"""A webhook send posts the command's context, signed with the shared secret; a template with
only a webhook part is sent on that channel and on no other."""

from __future__ import annotations

import json
from typing import Any

from waymark.channel_dispatch.senders.webhook import signature
from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    Outcomes,
    command,
    dispatch_settings,
    produce,
    running,
    store_templates,
    template,
)


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


async def test_a_webhook_only_template_is_sent_and_refused_on_other_channels(
    kafka_topics: KafkaSettings,
    mongo_settings: MongoSettings,
    mongo_db: Any,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, template("crm-escalation", webhook={}))
    hook = command(1, channel="webhook", template_id="crm-escalation")
    mail = command(2, channel="email", template_id="crm-escalation")
    settings = dispatch_settings(sinks, unique)
    async with Outcomes(kafka_topics) as outcomes, running(settings, kafka_topics, mongo_settings):
        await produce(kafka_topics, [hook, mail])
        await outcomes.count(2)
        await outcomes.settle(0.5)

    got = {o.command_id: (o.status, o.reason) for o in outcomes.seen}
    assert got == {
        hook.command_id: ("sent", None),
        mail.command_id: ("failed", "template_has_no_email"),
    }
    (posted,) = sinks.providers.messages["webhook"]
    assert json.loads(posted["body"])["template"] == "crm-escalation"
    assert sinks.mail.messages == []
