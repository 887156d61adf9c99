"""Helpers of the API tests: tokens per role, sample journeys and templates, the `Api` handle."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from waymark.core.adapters.kafka.topics import Topic, topic_name
from waymark.core.contracts import AvroCodec, JourneyVersion
from waymark.core.settings import KafkaSettings
from waymark.journey_engine.api.context import ApiContext
from waymark.journey_engine.api.settings import ApiSettings

TOKENS = {"viewer-token": "viewer", "editor-token": "editor", "admin-token": "admin"}
TEST_RECIPIENTS = ["qa@example.com", "+15550100"]


def bearer(role: str) -> dict[str, str]:
    """The Authorization header of the token with this role."""
    token = next(token for token, r in TOKENS.items() if r == role)
    return {"Authorization": f"Bearer {token}"}


def journey_document(journey_id: str, *, subject_template: str = "welcome-email") -> dict[str, Any]:
    """A small valid journey: signed_up → welcome email → wait for an order (or nudge)."""
    return {
        "id": journey_id,
        "name": f"Journey {journey_id}",
        "type": "marketing",
        "trigger": {"event": "signed_up"},
        "milestones": [
            {
                "id": "registered",
                "entry": {"attr": "profile.email", "exists": True},
                "steps": [
                    {"id": "welcome", "send": {"channel": "email", "template": subject_template}},
                    {
                        "id": "wait-order",
                        "wait_for": {"event": "order_completed", "timeout": "P3D"},
                    },
                    {"id": "tag", "update": {"set": {"profile.onboarded": True}}},
                    {"id": "nudge", "send": {"channel": "sms", "template": "nudge-sms"}},
                ],
            }
        ],
    }


def template_document(template_id: str, category: str = "marketing") -> dict[str, Any]:
    """A template with an email part and an sms part."""
    return {
        "id": template_id,
        "category": category,
        "channels": {
            "email": {
                "subject": "Welcome {{ profile.first_name }}",
                "html": "<p>Hello {{ profile.first_name }}</p>",
                "text": "Hello {{ profile.first_name }}",
            },
            "sms": {"body": "Hi {{ profile.first_name }}"},
        },
    }


@dataclass
class Api:
    """A running app: an HTTP client per role, and the context the app was built with."""

    http: httpx.AsyncClient
    ctx: ApiContext
    kafka: KafkaSettings

    async def as_role(self, role: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request with the token of `role`."""
        headers = {**bearer(role), **kwargs.pop("headers", {})}
        return await self.http.request(method, url, headers=headers, **kwargs)

    async def create_templates(self, *ids: str) -> None:
        """Create templates so journeys sending them can be activated."""
        for template_id in ids:
            response = await self.as_role(
                "editor", "POST", "/v1/templates", json=template_document(template_id)
            )
            assert response.status_code == 201, response.text


def api_settings(**overrides: Any) -> ApiSettings:
    """Settings with the test tokens and recipients, ignoring the environment's."""
    values: dict[str, Any] = {"tokens": TOKENS, "test_recipients": TEST_RECIPIENTS}
    values.update(overrides)
    return ApiSettings(**values)


async def read_topic(
    kafka: KafkaSettings, topic: Topic, *, at_least: int, wait_seconds: float = 20.0
) -> list[tuple[str, bytes]]:
    """Every record of a topic from the start (keys decoded), once `at_least` have arrived."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        name = topic_name(topic, kafka.topic_prefix)
        # The catalog topic has one partition; every keyed topic has the test's partition count.
        count = 1 if topic is Topic.JOURNEYS else kafka.partitions
        partitions = [TopicPartition(name, p) for p in range(count)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[tuple[str, bytes]] = []
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while len(records) < at_least and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                records.extend((r.key.decode(), r.value) for r in batch)
        return records
    finally:
        await consumer.stop()


async def journey_records(
    kafka: KafkaSettings, *, at_least: int, wait_seconds: float = 20.0
) -> list[tuple[str, JourneyVersion]]:
    """The decoded JourneyVersion records of the catalog topic, with their keys."""
    codec = AvroCodec.static()
    raw = await read_topic(kafka, Topic.JOURNEYS, at_least=at_least, wait_seconds=wait_seconds)
    return [(key, codec.decode_as(value, JourneyVersion)) for key, value in raw]
