"""A scripted run through the real engine worker: two journeys, five customers, known outcomes.

welcome-series (marketing), with exit_when, a goal and two milestones:
- alice (email, phone, consent on both) is welcomed, waits 4 s, is nudged by SMS and waits for
  the app in `await-app`;
- bob (email, no consent) gets both sends skipped for no_consent and waits in `await-app`;
- carol (email, consent, one order) enters straight into `first-purchase`, is thanked and
  converts with an order;
- dave (phone only) waits before the first milestone;
- erin (email, consent) is welcomed and closes her account during the pause (exit_when).

order-confirmation (transactional): alice pays twice, bob once; each entry sends and ends.

The real channel-dispatch process sends what the engine commands into the development sinks
(the SMTP sink refuses bob's order email for good) and reports each send's terminal outcome.
What only a provider can know — delivered, opened, clicked, bounced — is then posted to
trigger-ingest as the providers' signed webhooks, about the messages the sinks accepted; carol
follows the one-click unsubscribe link of her email, which channel-dispatch serves.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from dispatch.support import Outcomes, SinkProcess, template
from ingest.support import SECRETS
from worker.harness import Bus, Reader

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import DispatchOutcome, JourneyTransition
from waymark.core.settings import KafkaSettings
from waymark.trigger_ingest.webhooks.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

WELCOME: dict[str, Any] = {
    "id": "welcome-series",
    "name": "Welcome series",
    "type": "marketing",
    "trigger": {"event": "signed_up"},
    "exit_when": {"event": "account_closed"},
    "goal": {"event": "order_completed", "within": "P1D"},
    "milestones": [
        {
            "id": "registered",
            "name": "Registered",
            "entry": {"attr": "profile.email", "exists": True},
            "steps": [
                {"id": "welcome", "send": {"channel": "email", "template": "welcome-email"}},
                {"id": "pause", "wait": {"duration": "PT4S"}},
                {"id": "nudge", "send": {"channel": "sms", "template": "nudge-sms"}},
                {
                    "id": "await-app",
                    "wait_for": {"event": "app_opened", "timeout": "P1D", "on_event": "exit"},
                },
                {"id": "late-offer", "send": {"channel": "email", "template": "late-offer"}},
            ],
        },
        {
            "id": "first-purchase",
            "name": "First purchase",
            "entry": {"attr": "profile.orders_count", "gte": 1},
            "steps": [{"id": "thanks", "send": {"channel": "email", "template": "thank-you"}}],
        },
    ],
}
ORDER_CONFIRMATION: dict[str, Any] = {
    "id": "order-confirmation",
    "name": "Order confirmation",
    "type": "transactional",
    "trigger": {"event": "payment_received"},
    "reentry": {"mode": "always"},
    "milestones": [
        {
            "id": "paid",
            "name": "Paid",
            "steps": [{"id": "confirm", "send": {"channel": "email", "template": "order-email"}}],
        }
    ],
}
JOURNEYS = ("welcome-series", "order-confirmation")
CUSTOMERS = ("alice", "bob", "carol", "dave", "erin")

TEMPLATES = [
    template(
        "welcome-email",
        "marketing",
        email={"subject": "Welcome aboard", "text": "Glad you are here."},
    ),
    template("nudge-sms", "marketing", sms={"body": "Open the app for your welcome gift."}),
    template("late-offer", "marketing", email={"subject": "Still there?", "text": "An offer."}),
    template("thank-you", "marketing", email={"subject": "Thanks", "html": "<p>Thank you</p>"}),
    template(
        "order-email",
        email={"subject": "Order {{ entry.properties.order }}", "text": "Paid, thank you."},
    ),
]
"""The templates channel-dispatch renders the run's sends with."""

REFUSED = {"address": "bob@example.com", "code": 554, "message": "5.7.1 refused", "stage": "data"}
"""The SMTP sink refuses bob's email at DATA for good: dispatch reports `failed: smtp_554`."""

DISPATCHED: dict[tuple[str, str], list[tuple[str, str | None]]] = {
    ("alice", "welcome"): [("sent", None)],
    ("alice", "nudge"): [("sent", None)],
    ("carol", "thanks"): [("sent", None)],
    ("erin", "welcome"): [("sent", None)],
    ("alice", "confirm"): [("sent", None), ("sent", None)],
    ("bob", "confirm"): [("failed", "smtp_554")],
}
"""(customer, step) -> the terminal outcome channel-dispatch reports for each of its sends;
bob has no marketing consent, so none of his welcome-series sends reaches dispatch."""

PROVIDER_EVENTS: dict[tuple[str, str], list[str]] = {
    ("alice", "welcome"): ["delivered", "open", "open", "click"],  # a second open counts once
    ("alice", "nudge"): ["delivered"],
    ("carol", "thanks"): ["delivered"],
    ("erin", "welcome"): ["bounce"],
    ("alice", "confirm"): ["delivered"],
}
"""(customer, step) -> what the provider reports, by webhook, for each message it accepted
(SendGrid event names for email, Twilio statuses for SMS)."""

UNSUBSCRIBED = ("carol", "thanks")
"""The email whose one-click List-Unsubscribe link its recipient follows."""


async def play_customers(bus: Bus) -> None:
    """Produce every customer's events, in the order the story needs."""
    await bus.event(
        "alice", "identify", traits={"email": "alice@example.com", "phone": "+4915100000001"}
    )
    await bus.event("alice", "consent", channel="email", granted=True)
    await bus.event("alice", "consent", channel="sms", granted=True)
    await bus.event("alice", "track", name="signed_up")
    await bus.event("bob", "identify", traits={"email": "bob@example.com"})
    await bus.event("bob", "track", name="signed_up")
    await bus.event("carol", "identify", traits={"email": "carol@example.com", "orders_count": 1})
    await bus.event("carol", "consent", channel="email", granted=True)
    await bus.event("carol", "track", name="signed_up")
    await bus.event("dave", "identify", traits={"phone": "+4915100000004"})
    await bus.event("dave", "track", name="signed_up")
    await bus.event("erin", "identify", traits={"email": "erin@example.com"})
    await bus.event("erin", "consent", channel="email", granted=True)
    await bus.event("erin", "track", name="signed_up")
    await bus.event("erin", "track", name="account_closed")
    await bus.event("carol", "track", name="order_completed", properties={"total": 30})
    await bus.event("alice", "track", name="payment_received", properties={"order": "a-1"})
    await bus.event("alice", "track", name="payment_received", properties={"order": "a-2"})
    await bus.event("bob", "track", name="payment_received", properties={"order": "b-1"})


def _settled(records: list[Any]) -> bool:
    """Every customer reached the end of the script."""
    seen = {
        (t.customer_id, t.kind, t.step_id, t.reason)
        for t in records
        if isinstance(t, JourneyTransition)
    }
    completed = sum(
        1
        for t in records
        if isinstance(t, JourneyTransition)
        and t.journey_id == "order-confirmation"
        and t.kind == "exited"
    )
    return (
        ("alice", "waiting", "await-app", "event") in seen
        and ("bob", "waiting", "await-app", "event") in seen
        and ("carol", "exited", None, "goal") in seen
        and ("erin", "exited", None, "exit_when") in seen
        and ("dave", "waiting", None, "milestone") in seen
        and completed == 3
    )


async def wait_for_engine(bus: Bus) -> list[JourneyTransition]:
    """The transitions, once every customer has settled."""
    async with Reader(bus.kafka, Topic.TRANSITIONS) as transitions:
        await transitions.until(_settled, within=90, what="the scripted run to settle")
        await asyncio.sleep(1)
        await transitions.poll()
        return [t for t in transitions.records if isinstance(t, JourneyTransition)]


async def dispatched(kafka: KafkaSettings) -> list[DispatchOutcome]:
    """channel-dispatch's terminal outcome of every send, checked against `DISPATCHED`."""
    expected = sorted(
        (customer, step, status, reason)
        for (customer, step), results in DISPATCHED.items()
        for status, reason in results
    )
    async with Outcomes(kafka) as outcomes:
        await outcomes.count(len(expected), within=90)
        # Anything more (a second send, a stray outcome) would show up now.
        found = await outcomes.settle(3.0)
    assert sorted((o.customer_id, o.step_id, o.status, o.reason) for o in found) == expected
    assert len({o.command_id for o in found}) == len(found)
    return found


async def report_provider_events(
    sinks: SinkProcess, ingest: httpx.AsyncClient, sent: list[DispatchOutcome]
) -> int:
    """Post what the providers report about the messages they accepted, as their webhooks do;
    the number of events posted."""
    by_command = {o.command_id: o for o in sent if o.status == "sent"}
    emails = {_command_of(mail): mail for mail in await sinks.emails()}
    texts = {text["idempotency_key"]: text for text in await sinks.texts()}
    assert set(emails) | set(texts) == set(by_command), "every sent message reached a sink"
    posted = 0
    for command_id, mail in emails.items():
        send = by_command[command_id]
        for n, name in enumerate(PROVIDER_EVENTS.get((send.customer_id, send.step_id or ""), [])):
            event = {
                "event": name,
                "sg_event_id": f"{command_id}-{n}",
                "sg_message_id": send.provider_message_id or mail["message_id"],
                **({"type": "bounce"} if name == "bounce" else {}),
                **_metadata(send),
            }
            await _post_webhook(ingest, "email", [event])
            posted += 1
    for command_id, text in texts.items():
        send = by_command[command_id]
        for status in PROVIDER_EVENTS.get((send.customer_id, send.step_id or ""), []):
            event = {"MessageSid": text["sid"], "MessageStatus": status, **_metadata(send)}
            await _post_webhook(ingest, "sms", [event])
            posted += 1
    return posted


async def follow_unsubscribe_link(sinks: SinkProcess, sent: list[DispatchOutcome]) -> None:
    """The recipient of `UNSUBSCRIBED` clicks "unsubscribe" in their mail client (RFC 8058)."""
    [send] = [o for o in sent if (o.customer_id, o.step_id) == UNSUBSCRIBED]
    [mail] = [m for m in await sinks.emails() if _command_of(m) == send.command_id]
    links = [part.strip(" <>") for part in mail["headers"]["List-Unsubscribe"].split(",")]
    [url] = [link for link in links if link.startswith("http")]
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(url, content=b"List-Unsubscribe=One-Click")
    assert response.status_code == 200, response.text


def _command_of(mail: dict[str, Any]) -> str:
    """The command id in an email's Message-ID (`<command_id@domain>`)."""
    return str(mail["message_id"]).strip("<>").split("@", 1)[0]


def _metadata(send: DispatchOutcome) -> dict[str, Any]:
    """The send metadata a provider echoes back in its webhooks."""
    return {
        "customer_id": send.customer_id,
        "command_id": send.command_id,
        "journey_id": send.journey_id,
        "journey_version": send.journey_version,
        "entry_id": send.entry_id,
        "step_id": send.step_id,
    }


async def _post_webhook(ingest: httpx.AsyncClient, provider: str, events: list[Any]) -> None:
    body = json.dumps(events).encode()
    stamp = int(time.time())
    headers = {
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(SECRETS[provider], stamp, body),
        "content-type": "application/json",
    }
    response = await ingest.post(f"/v1/webhooks/{provider}", content=body, headers=headers)
    assert response.status_code == 202, response.text


def count_kinds(transitions: list[JourneyTransition], journey: str) -> Callable[[str], int]:
    """How many transitions of a kind a journey produced (for cross-checking the engine)."""
    return lambda kind: sum(1 for t in transitions if t.journey_id == journey and t.kind == kind)
