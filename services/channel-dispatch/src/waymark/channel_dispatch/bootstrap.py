"""The composition root: settings → clients → adapters → dispatcher → lanes and HTTP.

Tests call `build_service` with their own settings, senders or clock; `__main__` calls it
with what the environment says.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from waymark.channel_dispatch.delivery import Provider
from waymark.channel_dispatch.dispatcher import Dispatcher, PriorityGate
from waymark.channel_dispatch.http import Unsubscriber, http_app
from waymark.channel_dispatch.lane import Lane
from waymark.channel_dispatch.ledger import Ledger
from waymark.channel_dispatch.messages import MessageBuilder
from waymark.channel_dispatch.model import Lane as LaneName
from waymark.channel_dispatch.pressure import DelayMeter, Pace, PressureBoard, Yielding
from waymark.channel_dispatch.rendering import Renderer, TemplateSource, mongo_templates
from waymark.channel_dispatch.resilience import AdaptiveRateLimit, Backoff, CircuitBreaker
from waymark.channel_dispatch.senders.base import Sender
from waymark.channel_dispatch.senders.factory import default_senders
from waymark.channel_dispatch.service import Service
from waymark.channel_dispatch.settings import DispatchSettings
from waymark.channel_dispatch.suppression import SuppressionList
from waymark.channel_dispatch.unsubscribe import UnsubscribeLinks
from waymark.core.adapters.kafka.clients import durable_producer, manual_commit_consumer
from waymark.core.adapters.kafka.dlq import DeadLetterWriter
from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.adapters.mongo import connect
from waymark.core.adapters.readiness import DependencyChecks, kafka_metadata, mongo_ping
from waymark.core.contracts import AvroCodec, Channel
from waymark.core.settings import KafkaSettings, MongoSettings

__all__ = ["SenderFactory", "Service", "build_service", "default_senders", "utc_now"]

SenderFactory = Callable[[DispatchSettings], Mapping[Channel, Sender[Any]]]
_LANE_TOPICS: dict[LaneName, Topic] = {
    "transactional": Topic.COMMANDS_TRANSACTIONAL,
    "marketing": Topic.COMMANDS_MARKETING,
}


def utc_now() -> datetime:
    """The wall clock in UTC."""
    return datetime.now(UTC)


def build_service(
    *,
    settings: DispatchSettings,
    kafka: KafkaSettings,
    mongo: MongoSettings,
    clock: Callable[[], datetime] = utc_now,
    senders: SenderFactory = default_senders,
    owner: str | None = None,
) -> Service:
    """Wire a channel-dispatch from settings; nothing connects until `Service.run`."""
    owner = owner or f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    client = connect(mongo)
    database = client[mongo.database]
    records = client[settings.ledger_database] if settings.ledger_database else database
    codec = AvroCodec.static()
    ledger = Ledger(
        database,
        owner=owner,
        clock=clock,
        owner_stale=timedelta(seconds=settings.owner_stale_s),
        records=records,
    )
    suppressions = SuppressionList(database, clock=clock)
    links = UnsubscribeLinks(
        public_url=settings.public_url,
        secret=settings.unsubscribe_secret.get_secret_value(),
        mailto=settings.unsubscribe_mailto,
    )
    messages = MessageBuilder(
        renderer=Renderer(
            TemplateSource(mongo_templates(database), ttl_s=settings.template_cache_s)
        ),
        links=links,
        mail_from=settings.mail_from,
        message_id_domain=settings.message_id_domain,
        clock=clock,
    )
    backoff = Backoff(
        attempts=settings.retry_attempts,
        base_s=settings.retry_base_s,
        cap_s=settings.retry_max_s,
        retry_after_cap_s=settings.retry_after_max_s,
    )
    guards: dict[str, tuple[AdaptiveRateLimit, CircuitBreaker]] = {}
    gate = PriorityGate() if settings.marketing_yields else None
    yielding = _yielding(settings, database, owner)
    outcomes_topic = topic_name(Topic.OUTCOMES, kafka.topic_prefix)
    plain = durable_producer(kafka)
    dead_letters = DeadLetterWriter(plain)
    producers: list[AIOKafkaProducer] = [plain]
    consumers: list[AIOKafkaConsumer] = []
    all_senders: list[Sender[Any]] = []
    lanes: list[Lane] = []
    for lane_name in settings.lane_names:
        topic = _LANE_TOPICS[lane_name]
        lane_senders = senders(settings)
        all_senders.extend(lane_senders.values())
        providers = _providers(lane_name, lane_senders, settings, guards, backoff, clock)
        dispatcher = Dispatcher(
            # Its own ledger writer per lane: a transactional claim never waits in the queue
            # of a marketing batch's inserts (same owner, same collections).
            ledger=Ledger(
                database,
                owner=owner,
                clock=clock,
                owner_stale=timedelta(seconds=settings.owner_stale_s),
                records=records,
                **_ledger_grouping(lane_name, settings),
            ),
            suppressions=suppressions,
            messages=messages,
            providers=providers,
            clock=clock,
            gate=gate,
            pace=yielding.pace if yielding is not None else None,
        )
        group_id = f"{settings.group_id}.{lane_name}"
        transactional = lane_name == "transactional"
        consumer, producer = _kafka_clients(lane_name, group_id, settings, kafka)
        consumers.append(consumer)
        producers.append(producer)
        in_flight = (
            settings.transactional_in_flight if transactional else settings.marketing_in_flight
        )
        commit_ms = (
            settings.transactional_commit_ms if transactional else settings.marketing_commit_ms
        )
        lanes.append(
            Lane(
                name=lane_name,
                topic=topic_name(topic, kafka.topic_prefix),
                outcomes_topic=outcomes_topic,
                group_id=group_id,
                consumer=consumer,
                producer=producer,
                dead_letters=dead_letters,
                codec=codec,
                dispatcher=dispatcher,
                max_in_flight=in_flight,
                commit_interval_s=commit_ms / 1000,
                meter=yielding.meter if yielding is not None and transactional else None,
                new_producer=partial(_lane_producer, lane_name, group_id, settings, kafka),
            )
        )
    unsubscriber = Unsubscriber(
        links=links,
        suppressions=suppressions,
        producer=plain,
        codec=codec,
        outcomes_topic=outcomes_topic,
        clock=clock,
    )
    service = Service(
        settings=settings,
        ledger=ledger,
        suppressions=suppressions,
        lanes=lanes,
        mongo=client,
        producers=producers,
        consumers=consumers,
        senders=all_senders,
        yielding=yielding,
        app=web.Application(),
        checks=DependencyChecks(
            {
                "kafka": kafka_metadata(lambda: plain.client, kafka.bootstrap),
                "mongo": mongo_ping(client),
            }
        ),
    )
    service.app = http_app(service.readiness, unsubscriber)
    return service


def _yielding(settings: DispatchSettings, database: Any, owner: str) -> Yielding | None:
    """What makes marketing yield to transactional sends of other processes (see `pressure`):
    a meter where this process sends transactional, a pace where it sends marketing."""
    if not settings.marketing_yield_delay:
        return None
    interval_s = settings.pressure_interval_ms / 1000
    lanes = settings.lane_names
    return Yielding(
        PressureBoard(database, owner=owner),
        interval_s=interval_s,
        meter=DelayMeter(interval_s=interval_s) if "transactional" in lanes else None,
        pace=(
            Pace(target=settings.marketing_yield_delay, min_rate=settings.marketing_min_rate)
            if "marketing" in lanes
            else None
        ),
    )


def _providers(
    lane: LaneName,
    senders: Mapping[Channel, Sender[Any]],
    settings: DispatchSettings,
    guards: dict[str, tuple[AdaptiveRateLimit, CircuitBreaker]],
    backoff: Backoff,
    clock: Callable[[], datetime],
) -> dict[Channel, Provider]:
    """A lane's providers; rate limit and breaker belong to the provider, shared by lanes."""
    rates = {
        "email": settings.smtp_rate,
        "sms": settings.sms_rate,
        "push": settings.push_rate,
        "webhook": settings.webhook_rate,
    }
    providers: dict[Channel, Provider] = {}
    for channel, sender in senders.items():
        if sender.name not in guards:
            guards[sender.name] = (
                AdaptiveRateLimit(
                    sender.name, rates.get(channel, 100.0), recover_s=settings.rate_recover_s
                ),
                CircuitBreaker(
                    sender.name,
                    failures=settings.breaker_failures,
                    reset_s=settings.breaker_reset_s,
                ),
            )
        limiter, breaker = guards[sender.name]
        providers[channel] = Provider(
            sender,
            limiter=limiter,
            breaker=breaker,
            backoff=backoff,
            clock=clock,
            concurrency=(
                settings.transactional_send_concurrency
                if lane == "transactional"
                else settings.marketing_send_concurrency
            ),
        )
    return providers


def _ledger_grouping(lane: LaneName, settings: DispatchSettings) -> dict[str, Any]:
    """How a lane groups its ledger writes: transactional writes each claim at once, marketing
    lingers a few milliseconds so one write carries many claims or results."""
    if lane == "transactional":
        return {"linger_s": settings.transactional_ledger_linger_ms / 1000}
    return {
        "group": settings.marketing_ledger_group,
        "linger_s": settings.marketing_ledger_linger_ms / 1000,
    }


def _kafka_clients(
    lane: LaneName, group_id: str, settings: DispatchSettings, kafka: KafkaSettings
) -> tuple[AIOKafkaConsumer, AIOKafkaProducer]:
    """A lane's consumer (its own group) and its transactional producer."""
    transactional = lane == "transactional"
    consumer = manual_commit_consumer(
        kafka,
        group_id=group_id,
        client_id=f"{kafka.client_id}-dispatch-{lane}",
        max_partition_fetch_bytes=256 * 1024 if transactional else 1024 * 1024,
    )
    return consumer, _lane_producer(lane, group_id, settings, kafka)


def _lane_producer(
    lane: LaneName, group_id: str, settings: DispatchSettings, kafka: KafkaSettings
) -> AIOKafkaProducer:
    """A lane's transactional producer."""
    transactional = lane == "transactional"
    return durable_producer(
        kafka,
        # Stable per instance: a restart fences the crashed producer and aborts its open
        # transaction at once instead of blocking read_committed consumers until timeout.
        transactional_id=f"{group_id}.{settings.instance_id}",
        transaction_timeout_ms=15000,
        retry_backoff_ms=5,
        linger_ms=0 if transactional else 5,
    )
