"""N commands become N messages with their rendered content and N `sent` outcomes."""

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

N = 30


async def test_email_sms_and_push_each_sent_once_with_rendered_content(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(
        mongo_db,
        template("receipt"),
        template(
            "code-sms",
            sms={"body": "Code for {{ profile.first_name }}: {{ entry.properties.order_id }}"},
        ),
        template(
            "ship-push",
            push={
                "title": "Shipped {{ entry.properties.order_id }}",
                "body": "Hi {{ profile.first_name }}",
                "data": {"order": "{{ entry.properties.order_id }}"},
            },
        ),
    )
    emails = [command(i, template_id="receipt") for i in range(N)]
    texts = [command(i, channel="sms", template_id="code-sms") for i in range(N)]
    pushes = [command(i, channel="push", template_id="ship-push") for i in range(N)]
    settings = dispatch_settings(sinks, unique)
    async with Outcomes(kafka_topics) as outcomes, running(settings, kafka_topics, mongo_settings):
        await produce(kafka_topics, emails + texts + pushes)
        seen = await outcomes.count(3 * N)
        await outcomes.settle()

    grouped = by_command(outcomes.seen)
    assert len(outcomes.seen) == 3 * N
    assert all(len(found) == 1 and found[0].status == "sent" for found in grouped.values())
    assert set(grouped) == {c.command_id for c in emails + texts + pushes}
    assert {o.provider for o in seen} == {"smtp", "sms", "push"}

    mail = {m.message_id: m.describe() for m in sinks.mail.messages}
    assert len(sinks.mail.messages) == N
    for i, cmd in enumerate(emails):
        got = mail[f"<{cmd.command_id}@waymark.local>"]
        assert got["rcpt_tos"] == [f"customer{i}@example.com"]
        assert got["subject"] == f"Hello Ann{i}"
        assert f"Order o{i} for Ann{i}" in got["text"]
        assert f"<p>Order o{i} for Ann{i}</p>" in got["html"]
        assert "List-Unsubscribe" not in got["headers"]

    sms = {m["idempotency_key"]: m for m in sinks.providers.messages["sms"]}
    assert len(sinks.providers.messages["sms"]) == N
    for i, cmd in enumerate(texts):
        assert sms[cmd.command_id]["to"] == f"+1555{i:07d}"
        assert sms[cmd.command_id]["body"] == f"Code for Ann{i}: o{i}"

    push = {m["idempotency_key"]: m["message"] for m in sinks.providers.messages["push"]}
    assert len(sinks.providers.messages["push"]) == N
    for i, cmd in enumerate(pushes):
        assert push[cmd.command_id]["token"] == f"token-{i}"
        assert push[cmd.command_id]["notification"] == {
            "title": f"Shipped o{i}",
            "body": f"Hi Ann{i}",
        }
        assert push[cmd.command_id]["data"] == {"order": f"o{i}"}
