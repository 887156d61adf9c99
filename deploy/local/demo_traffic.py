"""Demo traffic for `make run`: simulated customers signing up, browsing, abandoning carts,
ordering, failing payments and changing plans, sent through trigger-ingest like a real app."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC")
NAMES = ("Ada", "Bo", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun")


class DemoTraffic:
    """Posts batches of Segment-style calls to trigger-ingest at about `rate` calls/s."""

    def __init__(
        self,
        ingest: str,
        write_key: str,
        *,
        customers: int,
        rate: float,
        webhook_secret: str,
        seed: int = 11,
    ) -> None:
        self.ingest = ingest
        self.write_key = write_key
        self.customers = customers
        self.rate = rate
        self.rng = random.Random(seed)
        self.sent = 0
        self.refused = 0
        self.run_id = uuid.uuid4().hex[:6]

    def _call(self, kind: str, customer: str, **fields: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "userId": customer,
            "messageId": str(uuid.uuid4()),
            "timestamp": datetime.now(UTC).isoformat(),
            **fields,
        }

    def _story(self, n: int) -> Iterator[list[dict[str, Any]]]:
        """One customer's life, as groups of calls sent some time apart."""
        rng = self.rng
        c = f"demo-{self.run_id}-{n:04d}"
        traits: dict[str, Any] = {
            "first_name": rng.choice(NAMES),
            "timezone": rng.choice(ZONES),
            "orders_count": 0,
            "plan": "free",
        }
        if rng.random() < 0.9:
            traits["email"] = f"{c}@example.com"
        if rng.random() < 0.5:
            traits["phone"] = f"+1555{n:07d}"
        if rng.random() < 0.3:
            traits["push_token"] = f"tok-{c}"
        first = [self._call("identify", c, traits=traits)]
        for channel, share in (("email", 0.7), ("sms", 0.4), ("push", 0.3)):
            if rng.random() < share:
                first.append(self._call("consent", c, channel=channel, granted=True))
        first.append(
            self._call(
                "track",
                c,
                event="signed_up",
                properties={"source": rng.choice(("web", "app", "partner"))},
            )
        )
        yield first
        for _ in range(rng.randrange(1, 4)):
            yield [
                self._call(
                    "track",
                    c,
                    event="page_viewed",
                    properties={"path": rng.choice(("/", "/pricing", "/docs"))},
                )
            ]
        if rng.random() < 0.6:
            cart = f"cart-{c}"
            yield [
                self._call(
                    "track",
                    c,
                    event="checkout_started",
                    properties={"cart_id": cart, "value": rng.randrange(20, 300)},
                )
            ]
            if rng.random() < 0.5:
                yield [
                    self._call(
                        "track",
                        c,
                        event="order_completed",
                        properties={
                            "cart_id": cart,
                            "order_id": f"o-{c}",
                            "total": rng.randrange(20, 300),
                        },
                    ),
                    self._call("identify", c, traits={"orders_count": 1}),
                ]
        if rng.random() < 0.1:
            yield [
                self._call(
                    "track",
                    c,
                    event="payment_failed",
                    properties={"invoice_id": f"inv-{c}", "amount": 49},
                )
            ]
        if rng.random() < 0.1:
            yield [
                self._call(
                    "track",
                    c,
                    event="plan_changed",
                    properties={"direction": rng.choice(("upgrade", "downgrade")), "plan": "pro"},
                )
            ]

    async def run(self, stop: asyncio.Event) -> None:
        """Interleave every customer's story until `stop` is set or all stories are told."""
        stories = [self._story(n) for n in range(self.customers)]
        auth = httpx.BasicAuth(self.write_key, "")
        started = time.monotonic()
        last_report = started
        async with httpx.AsyncClient(base_url=self.ingest, auth=auth, timeout=10) as client:
            while stories and not stop.is_set():
                batch: list[dict[str, Any]] = []
                for story in self.rng.sample(stories, min(len(stories), 10)):
                    step = next(story, None)
                    if step is None:
                        stories.remove(story)
                    else:
                        batch.extend(step)
                if batch:
                    answer = await client.post("/v1/batch", json={"batch": batch})
                    if answer.status_code == 202:
                        self.sent += len(batch)
                    else:
                        self.refused += len(batch)
                now = time.monotonic()
                if now - last_report > 15:
                    print(
                        f"demo traffic: {self.sent} calls accepted, {self.refused} refused, "
                        f"{len(stories)} customers still active",
                        flush=True,
                    )
                    last_report = now
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=max(0.05, len(batch) / self.rate))
        print(f"demo traffic done: {self.sent} calls accepted, {self.refused} refused", flush=True)
