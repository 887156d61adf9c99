"""Decisions per second of decide() on one core, and the serialized size of customer state.

A catalog of 20 active journeys (catalog.yaml) with realistic triggers, conditions and
policies; a population of customers sending a realistic mix of inputs — 40 % page views, 15 %
product views, 7 % cart updates, 4 % orders, 3 % sign-ups, 2 % closed tickets, 7 % identifies
(activity traits, sometimes order counts, rarely a plan change), 4 % consents, 18 % dispatch
outcomes — with the timers the engine asks for fired as ticks. The stream is recorded once,
then replayed from the states it started from and timed:

- `decide`: decide() alone, states kept as objects (an in-memory table);
- `decode+decide+encode`: what a worker with a RocksDB table does per input.

Times are CPU seconds of this process (`time.process_time`), so a busy neighbour on a shared
machine slows the figures less; objects alive before timing are moved out of the cyclic
collector's way with `gc.freeze()`, as a long-running worker would after start-up.

Run: `.venv/bin/python bench/decide.py [--customers N] [--inputs N] [--json PATH]`.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from machine import write_json
from waymark.core.engine import (
    Catalog,
    Consent,
    CustomerState,
    Identify,
    Input,
    Outcome,
    SendCommand,
    Tick,
    Track,
    decide,
    from_bytes,
    to_bytes,
)
from waymark.core.engine.clock import to_epoch
from waymark.core.journeys import Journey, load_journey

CATALOG = Path(__file__).with_name("catalog.yaml")
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC")
PLANS = ("free", "pro", "team")
PAGES = ("/", "/pricing", "/docs", "/blog", "/account")


def say(text: str) -> None:
    """Progress on stderr, figures on stdout."""
    print(text, file=sys.stderr, flush=True)


def machine() -> str:
    """Platform, CPU model and Python version."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {cpu}, "
        f"{os.cpu_count()} logical CPUs, Python {platform.python_version()} "
        f"({platform.python_implementation()})"
    )


def catalog() -> Catalog:
    """The 20 journeys, all active."""
    documents = yaml.safe_load_all(CATALOG.read_text(encoding="utf-8"))
    journeys: list[Journey] = [load_journey(doc) for doc in documents]
    assert len(journeys) == 20, len(journeys)
    return Catalog(journeys)


def _profile(rng: random.Random, n: int) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "email": f"customer{n}@example.com",
        "first_name": "Alex",
        "timezone": rng.choice(ZONES),
        "plan": rng.choice(PLANS),
        "orders_count": 0,
        "country": rng.choice(("DE", "GB", "US", "JP")),
    }
    if rng.random() < 0.6:
        profile["phone"] = f"+4915{n:09d}"
    if rng.random() < 0.4:
        profile["push_token"] = f"tok-{n}"
    return profile


class Recorder:
    """Generates the input stream once, firing the engine's timers on a virtual clock."""

    def __init__(self, cat: Catalog, customers: int, seed: int) -> None:
        self.catalog = cat
        self.rng = random.Random(seed)
        self.customers = [f"cust-{n:06d}" for n in range(customers)]
        self.states: dict[str, CustomerState] = {}
        self.timers: list[tuple[int, int, str, str, datetime]] = []
        self.live: dict[str, int] = {}
        self.seq = 0
        self.commands: dict[str, list[SendCommand]] = {}
        self.carts: dict[str, str] = {}
        self.stream: list[tuple[Input, datetime]] = []

    def _apply(self, inp: Input, now: datetime) -> None:
        state = self.states.get(inp.customer_id) or CustomerState.new(inp.customer_id)
        decision = decide(state, inp, self.catalog, now)
        self.states[inp.customer_id] = decision.state
        self.stream.append((inp, now))
        if decision.commands:
            mine = self.commands.setdefault(inp.customer_id, [])
            mine.extend(decision.commands)
            del mine[:-5]
        for timer in decision.timers:
            if timer.action == "cancel" or timer.due_at is None:
                self.live.pop(timer.timer_id, None)
                continue
            self.seq += 1
            self.live[timer.timer_id] = self.seq
            heapq.heappush(
                self.timers,
                (to_epoch(timer.due_at), self.seq, timer.customer_id, timer.timer_id, timer.due_at),
            )

    def _fire_until(self, now: datetime) -> None:
        limit = to_epoch(now)
        while self.timers and self.timers[0][0] <= limit:
            _, seq, customer, timer_id, due = heapq.heappop(self.timers)
            if self.live.get(timer_id) != seq:
                continue
            del self.live[timer_id]
            self._apply(Tick(f"tick:{timer_id}", customer, due, timer_id), due)

    def _input(self, n: int, customer: str, now: datetime) -> Input:
        rng = self.rng
        roll = rng.random()
        iid = f"in-{n}"
        if customer not in self.states:
            return Identify(iid, customer, now, _profile(rng, n))
        if roll < 0.40:
            return Track(iid, customer, now, "page_viewed", {"path": rng.choice(PAGES)})
        if roll < 0.55:
            return Track(
                iid,
                customer,
                now,
                "product_viewed",
                {"sku": f"sku-{rng.randrange(500)}", "price": rng.randrange(5, 300)},
            )
        if roll < 0.62:
            cart = self.carts.setdefault(customer, f"cart-{n}")
            return Track(
                iid,
                customer,
                now,
                "cart_updated",
                {"cart_id": cart, "value": rng.randrange(10, 400)},
            )
        if roll < 0.66:
            cart = self.carts.pop(customer, f"cart-{n}")
            return Track(
                iid,
                customer,
                now,
                "order_completed",
                {"cart_id": cart, "total": rng.randrange(10, 400)},
            )
        if roll < 0.69:
            return Track(
                iid, customer, now, "signed_up", {"source": rng.choice(("web", "app", "partner"))}
            )
        if roll < 0.71:
            return Track(
                iid,
                customer,
                now,
                "ticket_closed",
                {"ticket_id": f"t-{n}", "csat": rng.randrange(1, 6)},
            )
        if roll < 0.78:
            # Mostly activity traits; counters now and then; a plan change is rare.
            traits: dict[str, Any] = {"last_seen_at": now.isoformat()}
            pick = rng.random()
            if pick < 0.15:
                orders = int(self.states[customer].profile.get("orders_count", 0))
                traits["orders_count"] = orders + 1
            elif pick < 0.20:
                traits["plan"] = rng.choice(PLANS)
            elif pick < 0.22:
                traits["churn_risk"] = rng.choice(("low", "high"))
            return Identify(iid, customer, now, traits)
        if roll < 0.82:
            channel = rng.choice(("email", "sms", "push"))
            return Consent(iid, customer, now, channel, rng.random() < 0.85)
        sent = self.commands.get(customer)
        if sent:
            command = rng.choice(sent)
            status = rng.choice(
                ("delivered", "delivered", "opened", "clicked", "bounced", "failed")
            )
            return Outcome(
                iid,
                customer,
                now,
                status,
                command.command_id,
                command.journey_id,
                command.step_id,
                command.channel,
                "soft" if rng.random() < 0.5 else None,
            )
        return Track(iid, customer, now, "page_viewed", {"path": "/"})

    def populate(self) -> dict[str, CustomerState]:
        """Every customer known, with a profile and email consent; their states."""
        for customer in self.customers:
            profile = _profile(self.rng, len(self.states))
            self._apply(Identify(f"id-{customer}", customer, START, profile), START)
            self._apply(Consent(f"ce-{customer}", customer, START, "email", True), START)
        self.stream.clear()
        return dict(self.states)

    def record(self, inputs: int) -> list[tuple[Input, datetime]]:
        """`inputs` customer inputs plus every tick they cause, in processing order."""
        now = START
        # Inputs arrive about 40 per virtual minute, so ticks of waits come due in the stream.
        step = timedelta(seconds=1.5)
        for n in range(inputs):
            now += step
            self._fire_until(now)
            customer = self.rng.choice(self.customers)
            self._apply(self._input(n, customer, now), now)
        return self.stream


def time_decide(
    cat: Catalog, stream: list[tuple[Input, datetime]], base: dict[str, CustomerState]
) -> float:
    """Seconds for decide() over the stream, states as objects."""
    states = dict(base)
    new = CustomerState.new
    start = time.process_time()
    for inp, now in stream:
        customer = inp.customer_id
        state = states.get(customer)
        decision = decide(state if state is not None else new(customer), inp, cat, now)
        states[customer] = decision.state
    return time.process_time() - start


def time_with_codec(
    cat: Catalog, stream: list[tuple[Input, datetime]], base: dict[str, bytes]
) -> float:
    """Seconds for decode + decide() + encode per input, states as bytes."""
    table = dict(base)
    new = CustomerState.new
    start = time.process_time()
    for inp, now in stream:
        customer = inp.customer_id
        raw = table.get(customer)
        state = from_bytes(raw) if raw is not None else new(customer)
        table[customer] = to_bytes(decide(state, inp, cat, now).state)
    return time.process_time() - start


def main() -> None:
    """Record, replay, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--inputs", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON here")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    cat = catalog()
    recorder = Recorder(cat, args.customers, args.seed)
    say(f"populating {args.customers:,} customers")
    base = recorder.populate()  # replay starts from the states as they were before the stream
    say(f"recording {args.inputs:,} inputs and the ticks they cause")
    stream = recorder.record(args.inputs)
    ticks = sum(1 for inp, _ in stream if isinstance(inp, Tick))
    gc.collect()
    gc.freeze()
    decide_runs = []
    for n in range(args.repeat):
        say(f"decide() over {len(stream):,} inputs, run {n + 1} of {args.repeat}")
        decide_runs.append(time_decide(cat, stream, base))
    base_bytes = {c: to_bytes(s) for c, s in base.items()}
    codec_runs = []
    for n in range(args.repeat):
        say(f"decode + decide + encode, run {n + 1} of {args.repeat}")
        codec_runs.append(time_with_codec(cat, stream, base_bytes))

    final = recorder.states
    sizes = sorted(len(to_bytes(state)) for state in final.values())
    three = sorted(len(to_bytes(s)) for s in final.values() if len(s.instances) == 3)
    live = [len(state.instances) for state in final.values()]

    print(f"machine: {machine()}")
    print(f"catalog: {len(cat.journeys())} active journeys; customers: {len(final):,}")
    print(f"stream: {len(stream):,} decisions ({ticks:,} timer ticks), best of {args.repeat}")
    for label, runs in (("decide", decide_runs), ("decode+decide+encode", codec_runs)):
        best = min(runs)
        rate = len(stream) / best
        print(f"{label + ':':22} {rate:>10,.0f} decisions/s  ({best / len(stream) * 1e6:.1f} µs)")
    p95 = sizes[int(len(sizes) * 0.95)]
    print(
        f"state size: median {statistics.median(sizes):.0f} B, p95 {p95} B, max {sizes[-1]} B; "
        f"live instances per customer: mean {statistics.mean(live):.2f}"
    )
    if three:
        print(
            f"customers with three live instances: {len(three):,}, "
            f"median {statistics.median(three):.0f} B, max {three[-1]} B"
        )
    write_json(
        args.json,
        {
            "journeys": len(cat.journeys()),
            "customers": len(final),
            "decisions": len(stream),
            "ticks": ticks,
            "repeat": args.repeat,
            "decide_per_s": round(len(stream) / min(decide_runs)),
            "codec_per_s": round(len(stream) / min(codec_runs)),
            "decide_us": round(min(decide_runs) / len(stream) * 1e6, 2),
            "state_bytes_median": round(statistics.median(sizes)),
            "state_bytes_p95": p95,
            "state_bytes_max": sizes[-1],
            "three_instances": len(three),
            "three_instances_bytes_median": round(statistics.median(three)) if three else None,
            "three_instances_bytes_max": three[-1] if three else None,
        },
    )


if __name__ == "__main__":
    main()
