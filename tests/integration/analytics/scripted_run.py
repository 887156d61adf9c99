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

Outcomes are produced as channel-dispatch and provider webhooks would report them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from worker.harness import Bus, Reader

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import DispatchOutcome, JourneyTransition, SendCommand

from .support import Records, outcome

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

# (customer, step) -> the statuses reported for that send, in order.
OUTCOME_SCRIPT: dict[tuple[str, str], list[tuple[str, str | None]]] = {
    ("alice", "welcome"): [
        ("sent", None),
        ("delivered", None),
        ("opened", None),
        ("opened", None),  # a second open of the same message counts once
        ("clicked", None),
    ],
    ("alice", "nudge"): [("sent", None), ("delivered", None)],
    ("carol", "thanks"): [("sent", None), ("delivered", None), ("unsubscribed", None)],
    ("erin", "welcome"): [("sent", None), ("bounced", "hard_bounce")],
    ("alice", "confirm"): [("sent", None), ("delivered", None)],
    ("bob", "confirm"): [("failed", "provider_rejected")],
}


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


async def report_outcomes(bus: Bus, records: Records) -> list[DispatchOutcome]:
    """Read the commands and produce the scripted outcome of each."""
    commands: list[SendCommand] = []
    for lane in (Topic.COMMANDS_MARKETING, Topic.COMMANDS_TRANSACTIONAL):
        async with Reader(bus.kafka, lane) as reader:
            expected = 4 if lane is Topic.COMMANDS_MARKETING else 3
            found = await reader.until(lambda r, n=expected: len(r) >= n, what=f"{lane} commands")
            commands += [c for c in found if isinstance(c, SendCommand)]
    assert sorted((c.customer_id, c.step_id) for c in commands) == sorted(
        [
            ("alice", "welcome"),
            ("alice", "nudge"),
            ("carol", "thanks"),
            ("erin", "welcome"),
            ("alice", "confirm"),
            ("alice", "confirm"),
            ("bob", "confirm"),
        ]
    )
    outcomes = [
        outcome(command, status, n, reason)
        for command in commands
        for n, (status, reason) in enumerate(OUTCOME_SCRIPT[(command.customer_id, command.step_id)])
    ]
    await records.send(Topic.OUTCOMES, outcomes)
    return outcomes


def count_kinds(transitions: list[JourneyTransition], journey: str) -> Callable[[str], int]:
    """How many transitions of a kind a journey produced (for cross-checking the engine)."""
    return lambda kind: sum(1 for t in transitions if t.journey_id == journey and t.kind == kind)
