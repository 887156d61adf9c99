"""The ground truth of the fault tests: who signs up, who consents, who pays, and so what
must be sent; and the traffic that plays it through trigger-ingest.

Two journeys:
- `chaos-welcome` (marketing), entered on `signed_up`: an email, then an SMS. Customers with
  marketing consent get both; the others get neither (`no_consent`).
- `chaos-receipt` (transactional, re-entered on every payment): one email per
  `payment_received`, consent or not.

So the expected messages are known per (journey, step, customer) before anything runs.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from waymark.core.adapters.kafka.topics import Topic, ensure_topics, topic_name, topic_specs
from waymark.core.adapters.mongo import connect
from waymark.core.contracts import (
    AvroCodec,
    JourneyVersion,
    definition_checksum,
)
from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.core.templates import Template

from .processes import WRITE_KEY

CODEC = AvroCodec.static()
WELCOME = "chaos-welcome"
RECEIPT = "chaos-receipt"

JOURNEYS: list[dict[str, Any]] = [
    {
        "id": WELCOME,
        "name": "Chaos welcome",
        "type": "marketing",
        "trigger": {"event": "signed_up"},
        "milestones": [
            {
                "id": "registered",
                "name": "Registered",
                "steps": [
                    {"id": "welcome-email", "send": {"channel": "email", "template": "c-welcome"}},
                    {"id": "welcome-sms", "send": {"channel": "sms", "template": "c-welcome-sms"}},
                ],
            }
        ],
    },
    {
        "id": RECEIPT,
        "name": "Chaos receipt",
        "type": "transactional",
        "trigger": {"event": "payment_received"},
        "reentry": {"mode": "always"},
        "milestones": [
            {
                "id": "paid",
                "name": "Paid",
                "steps": [{"id": "receipt", "send": {"channel": "email", "template": "c-receipt"}}],
            }
        ],
    },
]
TEMPLATES = [
    Template.model_validate(
        {
            "id": "c-welcome",
            "category": "marketing",
            "channels": {
                "email": {
                    "subject": "Welcome {{ profile.first_name }}",
                    "text": "Hello {{ profile.first_name }}",
                }
            },
        }
    ),
    Template.model_validate(
        {
            "id": "c-welcome-sms",
            "category": "marketing",
            "channels": {"sms": {"body": "Welcome {{ profile.first_name }}, reply STOP to stop"}},
        }
    ),
    Template.model_validate(
        {
            "id": "c-code",
            "category": "transactional",
            "channels": {"sms": {"body": "Your code is {{ entry.properties.code }}"}},
        }
    ),
    Template.model_validate(
        {
            "id": "c-offer",
            "category": "marketing",
            "channels": {"push": {"title": "Offer", "body": "{{ entry.properties.offer }}"}},
        }
    ),
    Template.model_validate(
        {
            "id": "c-receipt",
            "category": "transactional",
            "channels": {
                "email": {
                    "subject": "Receipt {{ entry.properties.order_id }}",
                    "text": "Order {{ entry.properties.order_id }} is paid",
                }
            },
        }
    ),
]
Key = tuple[str, str, str]
"""(journey id, step id, customer id) of one expected message."""


@dataclass(frozen=True)
class Customer:
    """One simulated customer: consent for marketing or not, and how many payments."""

    id: str
    number: int
    consents: bool
    payments: int

    @property
    def email(self) -> str:
        """The email address (a reserved test domain)."""
        return f"{self.id}@example.test"

    @property
    def phone(self) -> str:
        """An E.164 number of the 555 test range."""
        return f"+1555{self.number:07d}"


@dataclass
class GroundTruth:
    """The customers of one test and the messages they must get."""

    customers: list[Customer]

    @classmethod
    def make(cls, token: str, count: int, payments: int = 2) -> GroundTruth:
        """`count` customers, every second one without marketing consent."""
        base = random.Random(token).randrange(1_000_000)
        return cls(
            [
                Customer(f"cu{token}-{n}", base + n, consents=n % 2 == 0, payments=payments)
                for n in range(count)
            ]
        )

    def expected(self) -> Counter[Key]:
        """How many messages each (journey, step, customer) must get."""
        wanted: Counter[Key] = Counter()
        for c in self.customers:
            if c.consents:
                wanted[(WELCOME, "welcome-email", c.id)] = 1
                wanted[(WELCOME, "welcome-sms", c.id)] = 1
            wanted[(RECEIPT, "receipt", c.id)] = c.payments
        return wanted

    @property
    def without_consent(self) -> set[str]:
        """Ids of the customers who never granted marketing consent."""
        return {c.id for c in self.customers if not c.consents}

    def addresses(self) -> list[str]:
        """Every email address and phone number (they must not be logged in clear)."""
        return [a for c in self.customers for a in (c.email, c.phone)]


async def prepare(kafka: KafkaSettings, mongo_url: str, database: str) -> None:
    """Create the test's topics, store the templates and publish the journeys."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        report = await ensure_topics(admin, topic_specs(kafka.topic_prefix, kafka.partitions))
        assert report.ok, report.mismatches
    finally:
        await admin.close()
    client = connect(MongoSettings(url=mongo_url, database=database))
    try:
        for template in TEMPLATES:
            await client[database]["templates"].insert_one(template.to_document())
    finally:
        await client.close()
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    await producer.start()
    try:
        for definition in JOURNEYS:
            record = JourneyVersion(
                journey_id=definition["id"],
                version=1,
                status="active",
                type=definition["type"],
                definition=definition,
                published_at=datetime.now(UTC),
                checksum=definition_checksum(definition),
            )
            await producer.send_and_wait(
                topic_name(Topic.JOURNEYS, kafka.topic_prefix),
                CODEC.encode_model(record),
                key=f"{definition['id']}/1".encode(),
            )
    finally:
        await producer.stop()


async def drop(kafka: KafkaSettings, mongo_url: str, database: str) -> None:
    """Delete the test's topics and database (best effort: the broker may be gone)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap, request_timeout_ms=10000)
    try:
        await asyncio.wait_for(admin.start(), 15)
        specs = topic_specs(kafka.topic_prefix, kafka.partitions)
        await asyncio.wait_for(admin.delete_topics([s.name for s in specs]), 30)
    except Exception as exc:
        print(f"cleanup: topics of {kafka.topic_prefix} not deleted ({exc!r})")
    finally:
        await admin.close()
    client = connect(MongoSettings(url=mongo_url, database=database), serverSelectionTimeoutMS=5000)
    try:
        await client.drop_database(database)
    except Exception as exc:
        print(f"cleanup: database {database} not dropped ({exc!r})")
    finally:
        await client.close()


@dataclass
class Traffic:
    """Plays the customers through trigger-ingest at a steady pace, retrying 503s.

    Each customer sends one batch (identify, two consents, `signed_up`), and once that is
    accepted, its payments one by one. A refused call is sent again unchanged (same message
    ids), as Segment-style clients do.
    """

    url: str
    truth: GroundTruth
    per_second: float
    until: asyncio.Event | None = None
    """When set, no further customer starts (the ground truth is those who did)."""
    statuses: Counter[int] = field(default_factory=Counter)
    refused_connections: int = 0
    accepted: set[str] = field(default_factory=set)
    calls: int = 0
    started: list[Customer] = field(default_factory=list)

    async def run(self) -> None:
        """Start a customer every 1/`per_second` s; return when every call was accepted."""
        async with httpx.AsyncClient(base_url=self.url, auth=(WRITE_KEY, ""), timeout=30) as http:
            tasks = []
            for customer in self.truth.customers:
                if self.until is not None and self.until.is_set():
                    break
                self.started.append(customer)
                tasks.append(asyncio.create_task(self._customer(http, customer)))
                await asyncio.sleep(1 / self.per_second)
            await asyncio.gather(*tasks)

    def played(self) -> GroundTruth:
        """The ground truth of the customers that were played."""
        return GroundTruth(list(self.started))

    async def _customer(self, http: httpx.AsyncClient, c: Customer) -> None:
        now = datetime.now(UTC).isoformat()
        batch: list[dict[str, Any]] = [
            {
                "type": "identify",
                "userId": c.id,
                "messageId": f"{c.id}-identify",
                "traits": {"email": c.email, "phone": c.phone, "first_name": f"Ann{c.number}"},
                "timestamp": now,
            },
            *(
                {
                    "type": "consent",
                    "userId": c.id,
                    "messageId": f"{c.id}-consent-{channel}",
                    "channel": channel,
                    "granted": c.consents,
                    "timestamp": now,
                }
                for channel in ("email", "sms")
            ),
            {
                "type": "track",
                "userId": c.id,
                "messageId": f"{c.id}-signed-up",
                "event": "signed_up",
                "timestamp": now,
            },
        ]
        await self._call(http, "/v1/batch", {"batch": batch}, [b["messageId"] for b in batch])
        for n in range(c.payments):
            await asyncio.sleep(random.uniform(0.2, 1.0))
            message_id = f"{c.id}-payment-{n}"
            body = {
                "userId": c.id,
                "messageId": message_id,
                "event": "payment_received",
                "properties": {"order_id": f"o-{c.number}-{n}"},
                "timestamp": datetime.now(UTC).isoformat(),
            }
            await self._call(http, "/v1/track", body, [message_id])

    async def _call(
        self, http: httpx.AsyncClient, path: str, body: dict[str, Any], ids: list[str]
    ) -> None:
        while True:
            self.calls += 1
            try:
                response = await http.post(path, json=body)
            except httpx.TransportError:
                self.refused_connections += 1
                await asyncio.sleep(0.5)
                continue
            self.statuses[response.status_code] += 1
            if response.status_code == 202:
                self.accepted.update(ids)
                return
            assert response.status_code == 503, (path, response.status_code, response.text)
            assert int(response.headers["Retry-After"]) >= 1
            # Retry-After is honoured, shortened so the test does not idle.
            await asyncio.sleep(0.5)
