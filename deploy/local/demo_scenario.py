"""The bounded scenario of `make demo`: customer stories, and what must come of them.

Every customer's story is drawn once from a seeded generator: an identify with consents, a
sign-up, browsing, a cart that is or is not ordered, a failed and maybe recovered payment, a
plan change, a resolved ticket, a password reset through the trigger API, a usage drop, and
now and then a closed account. The calls carry their own `messageId` and `timestamp` (the
moment they are sent), so the same calls, turned into engine inputs, can be run through the
simulator (`waymark.core.simulate`): that run — not the platform's own output — is the ground
truth the demo compares the platform against.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from waymark.core.engine import ApiTrigger, Consent, Identify, Input, Track
from waymark.core.engine.inputs import parse_timestamp

# Zones around the world; customers live where it is day, so marketing is not all held for
# quiet hours (21:00-08:00) whatever the time the demo runs.
ZONES = (
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
NAMES = ("Ada", "Bo", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun")


def daytime_zones(now: datetime, first_hour: int = 11, last_hour: int = 18) -> list[str]:
    """The zones whose local hour is within [first_hour, last_hour] at `now`."""
    found = [z for z in ZONES if first_hour <= now.astimezone(ZoneInfo(z)).hour <= last_hour]
    return found or ["UTC"]


@dataclass
class Call:
    """One call to trigger-ingest: a Segment-style batch item, or an API trigger."""

    kind: str
    """identify, track, consent or trigger."""
    customer: str
    fields: dict[str, Any]
    message_id: str
    timestamp: str = ""
    """ISO 8601 with milliseconds, set when the call is sent."""

    def batch_item(self) -> dict[str, Any]:
        """The call as an item of `POST /v1/batch`."""
        return {
            "type": self.kind,
            "userId": self.customer,
            "messageId": self.message_id,
            "timestamp": self.timestamp,
            **self.fields,
        }

    def trigger_body(self) -> dict[str, Any]:
        """The body of `POST /v1/journeys/{id}/trigger`."""
        return {
            "userId": self.customer,
            "messageId": self.message_id,
            "timestamp": self.timestamp,
            "properties": self.fields["properties"],
        }

    def to_input(self) -> Input:
        """The engine input this call becomes: id, customer and time as sent."""
        at = parse_timestamp(self.timestamp)
        f = self.fields
        if self.kind == "identify":
            return Identify(self.message_id, self.customer, at, dict(f["traits"]))
        if self.kind == "track":
            return Track(self.message_id, self.customer, at, f["event"], dict(f["properties"]))
        if self.kind == "consent":
            return Consent(self.message_id, self.customer, at, f["channel"], f["granted"])
        if self.kind == "trigger":
            return ApiTrigger(
                self.message_id, self.customer, at, f["journey"], dict(f["properties"])
            )
        raise ValueError(f"unknown call kind {self.kind!r}")


def stamp(at: datetime) -> str:
    """An instant as the calls carry it: UTC, milliseconds, `Z`."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Scenario:
    """The stories of `customers` customers, drawn from `seed`, living in `zones`."""

    customers: int
    zones: Sequence[str]
    seed: int = 11
    stories: list[list[list[Call]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self._ids = 0
        self.stories = [list(self._story(rng, n)) for n in range(self.customers)]

    def _call(self, kind: str, customer: str, **fields: Any) -> Call:
        self._ids += 1
        return Call(kind, customer, fields, f"demo-{self.seed}-{self._ids:06d}")

    def calls(self) -> int:
        """How many calls the scenario sends."""
        return sum(len(step) for story in self.stories for step in story)

    def _story(self, rng: random.Random, n: int) -> Iterator[list[Call]]:
        """One customer's life, as groups of calls sent some time apart."""
        c = f"demo-{n:04d}"
        call = self._call
        paying = rng.random() < 0.25
        traits: dict[str, Any] = {
            "first_name": rng.choice(NAMES),
            "timezone": rng.choice(list(self.zones)),
            "orders_count": 0,
            "plan": "pro" if paying else "free",
        }
        if paying:
            traits["active_days_last_7"] = 5
        if rng.random() < 0.9:
            traits["email"] = f"{c}@example.com"
        if rng.random() < 0.5:
            traits["phone"] = f"+1555{n:07d}"
            traits["sms_order_updates"] = rng.random() < 0.4
        if rng.random() < 0.3:
            traits["push_token"] = f"tok-{c}"
        first = [call("identify", c, traits=traits)]
        for channel, share in (("email", 0.7), ("sms", 0.4), ("push", 0.3)):
            if rng.random() < share:
                first.append(call("consent", c, channel=channel, granted=True))
        if rng.random() < 0.8:
            source = rng.choice(("web", "app", "app", "partner"))
            first.append(call("track", c, event="signed_up", properties={"source": source}))
        yield first
        for _ in range(rng.randrange(1, 3)):
            path = rng.choice(("/", "/pricing", "/docs"))
            yield [call("track", c, event="page_viewed", properties={"path": path})]
        if paying and rng.random() < 0.7:
            yield [call("identify", c, traits={"active_days_last_7": 1})]
            if rng.random() < 0.5:
                yield [call("track", c, event="feature_used", properties={"feature": "export"})]
        if rng.random() < 0.6:
            cart = f"cart-{c}"
            value = rng.randrange(20, 300)
            yield [
                call(
                    "track",
                    c,
                    event="checkout_started",
                    properties={"cart_id": cart, "value": value},
                )
            ]
            if rng.random() < 0.5:
                order = {"cart_id": cart, "order_id": f"o-{c}", "total": value}
                yield [
                    call("track", c, event="order_completed", properties=order),
                    call("identify", c, traits={"orders_count": 1}),
                ]
        if rng.random() < 0.15:
            invoice = {"invoice_id": f"inv-{c}", "amount": 49}
            yield [call("track", c, event="payment_failed", properties=invoice)]
            if rng.random() < 0.5:
                yield [call("track", c, event="payment_succeeded", properties=invoice)]
        roll = rng.random()
        if roll < 0.2:
            down = {"direction": "downgrade", "plan": "free"}
            yield [call("track", c, event="plan_changed", properties=down)]
            if rng.random() < 0.5:
                up = {"direction": "upgrade", "plan": "pro"}
                yield [call("track", c, event="plan_changed", properties=up)]
        elif roll < 0.3:
            up = {"direction": "upgrade", "plan": "team"}
            yield [call("track", c, event="plan_changed", properties=up)]
        if rng.random() < 0.1:
            ticket = {"ticket_id": f"t-{c}"}
            yield [call("track", c, event="ticket_resolved", properties=ticket)]
        if rng.random() < 0.15:
            method = "sms" if "phone" in traits and rng.random() < 0.5 else "email"
            payload = {"method": method, "token": f"tok-{n}"}
            yield [call("trigger", c, journey="password-reset", properties=payload)]
        if rng.random() < 0.03:
            yield [call("track", c, event="account_closed", properties={})]


def inputs(sent: Sequence[Call]) -> list[Input]:
    """The engine inputs of the calls the platform accepted, in the order they were sent."""
    return [call.to_input() for call in sent]
