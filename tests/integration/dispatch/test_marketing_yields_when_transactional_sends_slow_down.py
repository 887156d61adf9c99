"""Marketing yields to transactional sends of another process: when the transactional lane's
sends take far longer than they did while marketing was quiet, the marketing process slows to
its least pace; when they recover, it climbs back; when transactional sends stop, it runs
unpaced. Every marketing email still goes out once."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from waymark.channel_dispatch.sinks import Sinks
from waymark.channel_dispatch.sinks.providers import HttpFault
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import command, dispatch_settings, produce, produce_packed, running, store_templates
from .support import template as make_template

BACKLOG = 4000
MIN_RATE = 20.0


async def _until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_marketing_paces_itself_by_the_transactional_delay(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(
        mongo_db,
        make_template("code", sms={"body": "Your code {{ entry.properties.order_id }}"}),
        make_template("promo", "marketing"),
    )
    common = {
        "marketing_yield_delay": 0.5,
        "pressure_interval_ms": 100,
        "marketing_min_rate": MIN_RATE,
    }
    transactional = dispatch_settings(sinks, unique, lanes="transactional", **common)
    marketing = dispatch_settings(sinks, unique, lanes="marketing", **common)
    numbers = itertools.count(BACKLOG)
    probing = True

    async def probe() -> None:
        # Transactional SMS, twenty a second, from another process's point of view.
        while probing:
            await produce(kafka_topics, [command(next(numbers), channel="sms", template_id="code")])
            await asyncio.sleep(0.05)

    async with running(transactional, kafka_topics, mongo_settings) as sender:
        meter = sender.yielding.meter if sender.yielding else None
        assert meter is not None
        prober = asyncio.create_task(probe())
        # Marketing is quiet: the transactional lane learns what its sends take.
        await _until(lambda: meter.learned is not None, 30, "no floor learned")
        backlog = (command(i, category="marketing", template_id="promo") for i in range(BACKLOG))
        assert await produce_packed(kafka_topics, backlog) == BACKLOG

        async with running(marketing, kafka_topics, mongo_settings) as draining:
            pace = draining.yielding.pace if draining.yielding else None
            assert pace is not None
            # The SMS provider slows down: transactional sends take 300 ms more.
            sinks.providers.faults.append(HttpFault("sms", status=200, hang_s=0.3, times=None))
            await _until(lambda: pace.rate == MIN_RATE, 30, "marketing never slowed down")
            before = len(sinks.mail.messages)
            await asyncio.sleep(2.0)
            paced = len(sinks.mail.messages) - before
            # Sends admitted before the last cut may still land; unpaced, the whole backlog
            # would be out in these two seconds.
            assert paced < 2 * MIN_RATE + marketing.marketing_send_concurrency, paced
            assert len(sinks.mail.messages) < BACKLOG

            # The provider recovers: marketing climbs back above its least pace.
            sinks.providers.faults.clear()
            await _until(
                lambda: pace.rate is None or pace.rate > 2 * MIN_RATE, 30, "never climbed back"
            )
            # Transactional sends stop: marketing runs unpaced and drains the rest.
            probing = False
            await prober
            await _until(lambda: pace.rate is None, 30, "still paced with no transactional send")
            await _until(lambda: len(sinks.mail.messages) >= BACKLOG, 60, "backlog not drained")

    ids = [m.message_id for m in sinks.mail.messages]
    assert len(ids) == len(set(ids)) == BACKLOG
    print(f"{paced} marketing emails in 2 s while transactional sends were slow")
