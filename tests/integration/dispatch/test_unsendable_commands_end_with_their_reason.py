"""Commands that must not or cannot be sent still end as one outcome, with the reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.observability.metrics import DISPATCH_TEMPLATE_MISSING
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


async def test_expiry_consent_templates_and_addresses_decide_the_outcome(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(
        mongo_db,
        template("receipt"),
        template("promo", "marketing"),
        template("broken", email={"subject": "x", "text": "{{ 1 // 0 }}"}),
        template(
            "sandboxed",
            email={"subject": "x", "text": "{{ ''.__class__.__mro__[1].__subclasses__() }}"},
        ),
        template("sms-only", sms={"body": "hi"}),
        template("sparse", email={"subject": "Hi {{ profile.nickname }}", "text": "Hello"}),
    )
    cases = {
        "expired": command(1, expires_in=timedelta(seconds=-1)),
        "no_consent": command(2, category="marketing", template_id="promo", consent=False),
        "not_found": command(3, template_id="nope"),
        "broken": command(4, template_id="broken"),
        "sandboxed": command(5, template_id="sandboxed"),
        "no_part": command(6, template_id="sms-only"),
        "no_address": command(7, recipient={"first_name": "Ann"}),
        "sparse": command(8, template_id="sparse"),
        "future": command(9, expires_in=timedelta(hours=1)),
    }
    before = DISPATCH_TEMPLATE_MISSING.labels(template="sparse")._value.get()
    settings = dispatch_settings(sinks, unique)
    async with Outcomes(kafka_topics) as outcomes, running(settings, kafka_topics, mongo_settings):
        await produce(kafka_topics, cases.values())
        await outcomes.count(len(cases))
        await outcomes.settle(0.5)

    got = {o.command_id: (o.status, o.reason) for o in outcomes.seen}
    assert len(outcomes.seen) == len(cases)
    reason = {name: got[cmd.command_id] for name, cmd in cases.items()}
    assert reason["expired"] == ("expired", "expired")
    assert reason["no_consent"] == ("suppressed", "no_consent")
    assert reason["not_found"] == ("failed", "template_not_found")
    assert reason["broken"][0] == "failed"
    assert reason["broken"][1].startswith("template_error: ZeroDivisionError")
    assert reason["sandboxed"][0] == "failed"
    assert reason["sandboxed"][1].startswith("template_error: SecurityError")
    assert reason["no_part"] == ("failed", "template_has_no_email")
    assert reason["no_address"] == ("failed", "no_address")
    assert reason["sparse"] == ("sent", None)
    assert reason["future"] == ("sent", None)
    sparse = next(
        m.describe() for m in sinks.mail.messages if m.rcpt_tos == ("customer8@example.com",)
    )
    assert sparse["subject"] == "Hi"
    assert DISPATCH_TEMPLATE_MISSING.labels(template="sparse")._value.get() == before + 1
    assert len(sinks.mail.messages) == 2
