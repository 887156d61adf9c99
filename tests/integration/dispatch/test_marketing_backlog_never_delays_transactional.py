"""With a deep marketing backlog queued, transactional commands still go out at once."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    Outcomes,
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

BACKLOG = 20_000
TRANSACTIONAL = 30


async def test_transactional_sends_overtake_a_20k_marketing_backlog(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
    tmp_path: Path,
) -> None:
    await store_templates(mongo_db, template("receipt"), template("promo", "marketing"))
    backlog = [command(i, category="marketing", template_id="promo") for i in range(BACKLOG)]
    await produce(kafka_topics, backlog)
    env = dispatcher_env(kafka_topics, mongo_settings, sinks, unique)
    settings = dispatch_settings(sinks, unique, http_port=int(env["WAYMARK_DISPATCH_HTTP_PORT"]))
    process = start_dispatcher(env, tmp_path / "dispatch.log")
    try:
        await wait_ready(settings)
        while len(sinks.mail.messages) < 500:
            assert process.poll() is None
            await asyncio.sleep(0.01)
        # The marketing lane is draining at full speed: now the password resets arrive.
        urgent = [command(BACKLOG + i, template_id="receipt") for i in range(TRANSACTIONAL)]
        wanted = {f"<{c.command_id}@waymark.local>" for c in urgent}
        for group in range(0, TRANSACTIONAL, 5):
            await produce(kafka_topics, urgent[group : group + 5])
            await asyncio.sleep(0.1)
        deadline = time.monotonic() + 120
        while not wanted <= {m.message_id for m in sinks.mail.messages}:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.005)
        marketing_when_done = len(sinks.mail.messages) - TRANSACTIONAL
        async with Outcomes(kafka_topics) as outcomes:
            ids = {c.command_id for c in urgent}
            await outcomes.until(lambda seen: ids <= {o.command_id for o in seen}, 120)
    finally:
        process.send_signal(signal.SIGTERM)
        await exited(process, 60)

    assert marketing_when_done < BACKLOG / 2, (
        f"transactional waited for the backlog: {marketing_when_done} marketing went first"
    )
    statuses = {o.status for o in outcomes.seen if o.command_id in ids}
    assert statuses == {"sent"}
    print(f"all {TRANSACTIONAL} transactional sent after {marketing_when_done} marketing")
