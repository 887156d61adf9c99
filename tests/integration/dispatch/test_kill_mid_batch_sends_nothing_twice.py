"""kill -9 in the middle of a batch, restart: every command is received once or reported
`failed: unknown`; none twice, none without an outcome."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    Outcomes,
    by_command,
    command,
    dispatch_settings,
    dispatcher_env,
    exited,
    produce,
    start_dispatcher,
    store_templates,
    template,
    wait_ready,
)

MARKETING_EMAILS = 1500
TRANSACTIONAL_EMAILS = 700
TEXTS = 500
_ADDRESS = re.compile(r"customer\d+@example\.com|\+1555\d{7}")


async def test_a_crash_mid_batch_never_sends_twice_and_every_command_ends(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
    tmp_path: Path,
) -> None:
    await store_templates(
        mongo_db,
        template("receipt"),
        template("promo", "marketing"),
        template("code", sms={"body": "Code {{ entry.properties.order_id }}"}),
    )
    commands = (
        [command(i, category="marketing", template_id="promo") for i in range(MARKETING_EMAILS)]
        + [command(i, template_id="receipt") for i in range(TRANSACTIONAL_EMAILS)]
        + [command(i, channel="sms", template_id="code") for i in range(TEXTS)]
    )
    emails = MARKETING_EMAILS + TRANSACTIONAL_EMAILS
    await produce(kafka_topics, commands)
    env = dispatcher_env(kafka_topics, mongo_settings, sinks, unique)
    settings = dispatch_settings(sinks, unique, http_port=int(env["WAYMARK_DISPATCH_HTTP_PORT"]))
    log = tmp_path / "dispatch.log"

    first = start_dispatcher(env, log)
    try:
        await wait_ready(settings)
        deadline = time.monotonic() + 120
        while len(sinks.mail.messages) < emails // 4:
            assert time.monotonic() < deadline, "the first run sent too little"
            assert first.poll() is None, log.read_text()
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        await exited(first, 10)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = len(sinks.mail.messages)
    assert at_kill < emails, "killed after the batch had finished: not mid-batch"

    second = start_dispatcher(env, log)
    try:
        async with Outcomes(kafka_topics) as outcomes:
            wanted = {c.command_id for c in commands}
            await outcomes.until(lambda seen: wanted <= {o.command_id for o in seen}, within=240)
            await outcomes.settle(3.0)
    finally:
        second.send_signal(signal.SIGTERM)
        assert await exited(second, 60) == 0, "the restarted dispatcher did not stop cleanly"

    grouped = by_command(outcomes.seen)
    assert set(grouped) == wanted, "a command without an outcome, or an unknown outcome"
    twice = {cid: found for cid, found in grouped.items() if len(found) != 1}
    assert not twice, f"{len(twice)} commands with more than one outcome"

    received = Counter(m.message_id for m in sinks.mail.messages)
    assert max(received.values()) == 1, "an email was received twice"
    texts = Counter(m["idempotency_key"] for m in sinks.providers.messages["sms"])
    unknown = 0
    for cmd in commands:
        (outcome,) = grouped[cmd.command_id]
        if cmd.channel == "email":
            got = received.get(f"<{cmd.command_id}@waymark.local>", 0)
            if outcome.status == "sent":
                assert got == 1, "sent but not received"
            else:
                assert (outcome.status, outcome.reason) == ("failed", "unknown")
                unknown += 1
        else:
            # The SMS provider takes the key: a lost claim is resent, never reported unknown.
            assert outcome.status == "sent"
            assert texts[cmd.command_id] == 1
    text = log.read_text()
    assert "claim_recovered" in text or unknown == 0
    assert not _ADDRESS.search(text), "an email address or phone number in clear in the logs"
    print(f"killed at {at_kill}/{emails} emails; {unknown} reported failed: unknown")
