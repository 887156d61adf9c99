"""Provider failures: what is retried (and how long it waits), what fails, what is suppressed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from waymark.channel_dispatch.sinks import Sinks
from waymark.channel_dispatch.sinks.providers import HttpFault
from waymark.channel_dispatch.sinks.smtp import MailFault
from waymark.core.observability.metrics import DISPATCH_RATE_LIMIT
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

SMS = template("code", sms={"body": "Your code {{ entry.properties.order_id }}"})
PUSH = template("note", push={"title": "Hi", "body": "{{ profile.first_name }}"})
PROMO = template("promo", "marketing")


async def _run(
    kafka: KafkaSettings,
    mongo: MongoSettings,
    sinks: Sinks,
    unique: str,
    commands: list[Any],
    **overrides: Any,
) -> dict[str, Any]:
    settings = dispatch_settings(sinks, unique, **overrides)
    async with Outcomes(kafka) as outcomes, running(settings, kafka, mongo):
        await produce(kafka, commands)
        wanted = {c.command_id for c in commands}
        await outcomes.until(lambda seen: wanted <= {o.command_id for o in seen})
        await outcomes.settle(0.5)
    grouped = by_command(outcomes.seen)
    assert all(len(found) == 1 for found in grouped.values())
    return {cid: found[0] for cid, found in grouped.items() if cid in wanted}


async def test_500_then_200_is_retried_and_sent_once(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, SMS)
    sinks.providers.faults.append(HttpFault(target="sms", status=500, times=1))
    cmd = command(1, channel="sms", template_id="code")
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, [cmd])
    assert outcomes[cmd.command_id].status == "sent"
    assert sinks.providers.requests["sms"] == 2
    assert len(sinks.providers.messages["sms"]) == 1


async def test_429_retry_after_is_waited_for_and_halves_the_rate(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, SMS)
    sinks.providers.faults.append(HttpFault(target="sms", status=429, retry_after="2", times=1))
    cmd = command(2, channel="sms", template_id="code")
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, [cmd], sms_rate=40.0)
    assert outcomes[cmd.command_id].status == "sent"
    first, second = sinks.providers.request_times["sms"]
    assert second - first >= 1.9, "Retry-After: 2 was not honoured"
    assert len(sinks.providers.messages["sms"]) == 1
    assert DISPATCH_RATE_LIMIT.labels(provider="sms")._value.get() < 40.0


async def test_smtp_550_fails_suppresses_and_later_marketing_is_suppressed(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, template("receipt"), PROMO)
    bouncing = {"email": "gone@example.com", "first_name": "Gone"}
    sinks.mail.faults.append(MailFault(code=550, address="gone@example.com", stage="rcpt"))
    first = command(3, recipient=bouncing)
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, [first])
    assert outcomes[first.command_id].status == "failed"
    assert outcomes[first.command_id].reason == "hard_bounce"
    stored = await mongo_db["suppressions"].find_one({"reason": "hard_bounce"})
    assert stored is not None
    assert "gone" not in str(stored), "the address is kept only as a digest"

    later = command(4, recipient=bouncing, category="marketing", template_id="promo")
    also_transactional = command(5, recipient=bouncing)
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, [later, also_transactional])
    assert (outcomes[later.command_id].status, outcomes[later.command_id].reason) == (
        "suppressed",
        "hard_bounce",
    )
    assert outcomes[also_transactional.command_id].status == "suppressed"
    assert sinks.mail.messages == []


async def test_smtp_4xx_is_retried_and_delivered(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, template("receipt"))
    sinks.mail.faults.append(MailFault(code=451, message="4.7.1 try later", stage="rcpt", times=2))
    cmd = command(6)
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, [cmd])
    assert outcomes[cmd.command_id].status == "sent"
    assert len(sinks.mail.messages) == 1


async def test_smtp_timeout_after_the_body_is_failed_unknown_and_not_resent(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, template("receipt"))
    sinks.mail.faults.append(MailFault(code=451, stage="data", hang_s=3.0, times=1))
    cmd = command(7)
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, [cmd], smtp_timeout_s=1.0)
    assert (outcomes[cmd.command_id].status, outcomes[cmd.command_id].reason) == (
        "failed",
        "unknown",
    )
    assert sinks.mail.faults[0].times == 0, "DATA was reached exactly once"


async def test_invalid_number_and_dead_token_fail_and_are_suppressed(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, SMS, PUSH)
    sinks.providers.dead_tokens.add("dead-token")
    person = {"phone": "12345", "push_token": "dead-token", "first_name": "Bo"}
    sms, push = (
        command(8, channel="sms", template_id="code", recipient=person),
        command(8, channel="push", template_id="note", recipient=person),
    )
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, [sms, push])
    assert (outcomes[sms.command_id].status, outcomes[sms.command_id].reason) == (
        "failed",
        "invalid_number",
    )
    assert (outcomes[push.command_id].status, outcomes[push.command_id].reason) == (
        "failed",
        "invalid_token",
    )
    again = [
        command(9, channel="sms", template_id="code", recipient=person),
        command(9, channel="push", template_id="note", recipient=person),
    ]
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, again)
    assert {(o.status, o.reason) for o in outcomes.values()} == {
        ("suppressed", "invalid_number"),
        ("suppressed", "invalid_token"),
    }
    assert sinks.providers.requests == {"sms": 1, "push": 1, "webhook": 0}


async def test_hung_provider_times_out_and_the_retry_sends_once(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, PUSH)
    sinks.providers.faults.append(HttpFault(target="push", hang_s=3.0, times=1))
    cmd = command(10, channel="push", template_id="note")
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, [cmd], http_timeout_s=0.5)
    assert outcomes[cmd.command_id].status == "sent"
    assert len(sinks.providers.messages["push"]) == 1


async def test_persistent_5xx_fails_after_the_retry_limit(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, PUSH)
    sinks.providers.faults.append(HttpFault(target="push", status=503, times=None))
    cmd = command(11, channel="push", template_id="note")
    outcomes = await _run(kafka_topics, mongo_settings, sinks, unique, [cmd], retry_attempts=3)
    assert (outcomes[cmd.command_id].status, outcomes[cmd.command_id].reason) == (
        "failed",
        "retries_exhausted:http_503",
    )
    assert sinks.providers.requests["push"] == 3


async def test_open_circuit_stops_calls_and_commands_expire_instead(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, PUSH)
    sinks.providers.faults.append(HttpFault(target="push", status=503, times=None))
    first = command(12, channel="push", template_id="note", expires_in=timedelta(seconds=3))
    settings = dispatch_settings(sinks, unique, breaker_failures=2, breaker_reset_s=60.0)
    async with Outcomes(kafka_topics) as outcomes, running(settings, kafka_topics, mongo_settings):
        await produce(kafka_topics, [first])
        await outcomes.count(1)
        # The circuit is open now: the next command never reaches the provider.
        second = command(13, channel="push", template_id="note", expires_in=timedelta(seconds=2))
        await produce(kafka_topics, [second])
        await outcomes.count(2)
        await outcomes.settle(0.5)
    got = {o.command_id: (o.status, o.reason) for o in outcomes.seen}
    assert len(outcomes.seen) == 2
    assert got[first.command_id] == ("expired", "circuit_open")
    assert got[second.command_id] == ("expired", "circuit_open")
    assert sinks.providers.requests["push"] == 2, "the open circuit stopped every later call"
