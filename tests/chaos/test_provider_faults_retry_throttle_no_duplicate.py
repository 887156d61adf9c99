"""A provider answering 500s, 429s and hanging under steady load: dispatch retries with the same
idempotency key, halves its rate on 429, and sends nothing twice; every command ends sent."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import DispatchOutcome, SendCommand

from .counting import TopicReader
from .faults import inject_provider_fault
from .processes import Platform
from .scenario import CODEC, prepare

pytestmark = pytest.mark.timeout(300)

PER_TARGET = 150
PER_SECOND = 15.0
RATE = 500.0
# Per target, consumed in this order (the sink serves the first fault with times left).
FAULTS: list[dict[str, Any]] = [
    {"status": 500, "times": 8},
    {"status": 429, "retry_after": "1", "times": 8},
    {"status": 500, "hang_s": 5.0, "times": 4},
]
INJECTED = sum(f["times"] for f in FAULTS)
# More attempts than faults: no command can run out of retries, so every one must end sent.
ATTEMPTS = INJECTED + 5
_SAMPLE = re.compile(r"^(waymark_dispatch_\w+)\{([^}]*)\} ([0-9.e+-]+)$")


def _command(n: int, channel: str, token: str) -> SendCommand:
    sms = channel == "sms"
    now = datetime.now(UTC)
    return SendCommand(
        command_id=uuid.uuid4().hex,
        customer_id=f"p{token}-{n}",
        journey_id="chaos-provider",
        journey_version=1,
        entry_id=f"e{n}",
        step_id="code" if sms else "offer",
        attempt=1,
        channel=channel,  # type: ignore[arg-type]
        template="c-code" if sms else "c-offer",
        category="transactional" if sms else "marketing",
        consent_granted=True,
        recipient={"phone": f"+1555{n:07d}", "push_token": f"tok-{token}-{n}"},
        entry={"name": "requested", "properties": {"code": f"{n:06d}", "offer": f"Offer {n}"}},
        event=None,
        created_at=now,
        expires_at=None,
    )


async def _produce_steadily(platform: Platform, commands: list[SendCommand]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=platform.kafka.bootstrap, acks="all")
    await producer.start()
    try:
        for cmd in commands:
            transactional = cmd.category == "transactional"
            lane = Topic.COMMANDS_TRANSACTIONAL if transactional else Topic.COMMANDS_MARKETING
            topic = topic_name(lane, platform.kafka.topic_prefix)
            await producer.send_and_wait(
                topic, CODEC.encode(topic, cmd.to_avro()), key=cmd.customer_id.encode()
            )
            await asyncio.sleep(1 / PER_SECOND)
    finally:
        await producer.stop()


def _samples(text: str, name: str) -> dict[str, float]:
    """Values of one metric by its label set (as written)."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match and match.group(1) == name:
            found[match.group(2)] = float(match.group(3))
    return found


async def _lowest_rates(platform: Platform, stop: asyncio.Event) -> dict[str, float]:
    lowest: dict[str, float] = {}
    while not stop.is_set():
        text = await platform["dispatch"].metrics()
        for labels, value in _samples(text, "waymark_dispatch_rate_limit_per_second").items():
            lowest[labels] = min(value, lowest.get(labels, value))
        await asyncio.sleep(0.2)
    return lowest


async def test_provider_faults_retry_throttle_and_never_duplicate(
    make_platform: Callable[..., Platform], kafka_bootstrap: str, mongo_url: str, unique: str
) -> None:
    platform = make_platform(
        kafka_bootstrap,
        mongo_url,
        dispatch={
            "WAYMARK_DISPATCH_RETRY_ATTEMPTS": str(ATTEMPTS),
            # Hangs outlast it; a plain answer on loopback never comes near it.
            "WAYMARK_DISPATCH_HTTP_TIMEOUT_S": "3",
            "WAYMARK_DISPATCH_SMS_RATE": str(RATE),
            "WAYMARK_DISPATCH_PUSH_RATE": str(RATE),
        },
    )
    await prepare(platform.kafka, platform.mongo_url, platform.database)
    await platform.start(["sinks", "dispatch"])
    commands = [
        _command(n, channel, unique) for n in range(PER_TARGET) for channel in ("sms", "push")
    ]
    load = asyncio.create_task(_produce_steadily(platform, commands))
    stop_sampling = asyncio.Event()
    sampler = asyncio.create_task(_lowest_rates(platform, stop_sampling))

    await asyncio.sleep(2)
    assert not load.done(), "faults must start under load"
    for target in ("sms", "push"):
        for fault in FAULTS:
            await inject_provider_fault(platform.sink_url, {"target": target, **fault})

    wanted = {c.command_id for c in commands}
    async with TopicReader(platform.kafka, Topic.OUTCOMES) as reader:
        async with asyncio.timeout(180):
            await load
            while not wanted <= {o.command_id for o in await reader.poll()}:
                continue  # poll waits for records itself
        await asyncio.sleep(2)  # time for a second outcome to show itself
        outcomes: list[DispatchOutcome] = await reader.poll()
    stop_sampling.set()
    lowest = await sampler
    metrics = await platform["dispatch"].metrics()
    attempts = _samples(metrics, "waymark_dispatch_send_attempts_total")
    async with httpx.AsyncClient(base_url=platform.sink_url, timeout=30) as http:
        listings = {t: (await http.get(f"/{t}/messages")).json() for t in ("sms", "push")}

    statuses = Counter(f"{o.status}:{o.reason}" if o.reason else o.status for o in outcomes)
    print(f"\ninjected per target: {FAULTS}; {len(commands)} commands at {PER_SECOND}/s")
    for target, listing in listings.items():
        tried = {k: int(v) for k, v in attempts.items() if f'"{target}"' in k}
        print(
            f"{target}: {listing['requests']} requests at the provider, "
            f"{len(listing['messages'])} messages; dispatch attempts {tried}"
        )
    print(f"lowest rate limits seen: {lowest}; outcomes: {dict(statuses)}")

    per_command = Counter(o.command_id for o in outcomes)
    assert set(per_command) == wanted
    assert max(per_command.values()) == 1, "a command with two outcomes"
    assert statuses == Counter({"sent": len(commands)}), statuses
    for target in ("sms", "push"):
        listing = listings[target]
        keys = Counter(m["idempotency_key"] for m in listing["messages"])
        mine = {c.command_id for c in commands if c.channel == target}
        assert set(keys) == mine, f"{target}: messages missing or not asked for"
        assert max(keys.values()) == 1, f"{target}: a message twice"
        ok = attempts[f'provider="{target}",result="ok"']
        retried = attempts.get(f'provider="{target}",result="retry"', 0.0)
        # Each accepted request was a first delivery: no request for a key already accepted
        # (the sink would have answered it as a replay, and dispatch counted it ok again).
        assert ok == PER_TARGET, f"{target}: {ok} accepted attempts for {PER_TARGET} messages"
        # Every fault was met, and every failed request was retried.
        assert listing["requests"] == PER_TARGET + INJECTED, f"{target}: {listing['requests']}"
        assert retried == INJECTED, f"{target}: {retried} retries for {INJECTED} faults"
        # Throttling: a 429 cut the provider's rate (it climbs back while sends succeed, so
        # a sample may catch it on the way up).
        assert lowest[f'provider="{target}"'] < RATE, f"{target} never throttled: {lowest}"
