"""Memory and disk for 1,000,000 customer states, stored as the engine worker stores them.

Each customer lives a short, realistic life through `decide()` over the 20 journeys of
catalog.yaml (an identify with a profile, email consent, then one to six inputs: sign-ups,
page and product views, cart updates, orders, activity traits, closed tickets), so its state
holds what a real one does — profile, consents, live instances waiting mid-journey, the
frequency-cap ring, the dedupe ring. The state is serialized with `to_bytes()` (the engine's
format) and written in batches to a RocksDB database through rocksdict in raw mode, as the
worker's table does; only the current customer is kept as an object.

Reported: bytes per state serialized (median, p95, mean), RSS growth of this process while the
store filled, the database's size on disk after a flush and a full compaction, and — on a
sample of `--sample` states decoded and held as objects, as a `memory://` table would — the
RSS per state in memory, extrapolated to every state.

Run: `.venv/bin/python bench/states.py [--states 1000000] [--json PATH]`.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
from array import array
from datetime import timedelta
from pathlib import Path
from typing import Any

from rocksdict import Options, Rdict, WriteBatch

from decide import PAGES, START, _profile, catalog
from machine import describe, machine, write_json
from waymark.core.engine import (
    Catalog,
    Consent,
    CustomerState,
    Identify,
    Input,
    Track,
    decide,
    from_bytes,
    to_bytes,
)

BATCH = 10_000


def say(text: str) -> None:
    """Progress on stderr, figures on stdout."""
    print(text, file=sys.stderr, flush=True)


def rss_bytes() -> int:
    """This process's resident set size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def disk_bytes(path: Path) -> int:
    """Bytes of every file under `path`."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def life(rng: random.Random, n: int) -> list[Input]:
    """One customer's inputs: identify, consent, then one to six things they do."""
    customer = f"cust-{n:07d}"
    at = START + timedelta(seconds=n * 0.05)
    inputs: list[Input] = [
        Identify(f"{customer}-id", customer, at, _profile(rng, n)),
        Consent(f"{customer}-ce", customer, at, "email", True),
    ]
    for k in range(rng.randrange(1, 7)):
        at += timedelta(minutes=rng.randrange(1, 600))
        iid = f"{customer}-{k}"
        roll = rng.random()
        if roll < 0.15:
            source = rng.choice(("web", "app", "partner"))
            inputs.append(Track(iid, customer, at, "signed_up", {"source": source}))
        elif roll < 0.40:
            inputs.append(Track(iid, customer, at, "page_viewed", {"path": rng.choice(PAGES)}))
        elif roll < 0.60:
            props = {"sku": f"sku-{rng.randrange(500)}", "price": rng.randrange(5, 300)}
            inputs.append(Track(iid, customer, at, "product_viewed", props))
        elif roll < 0.75:
            props = {"cart_id": f"cart-{n}", "value": rng.randrange(10, 400)}
            inputs.append(Track(iid, customer, at, "cart_updated", props))
        elif roll < 0.85:
            props = {"cart_id": f"cart-{n}", "total": rng.randrange(10, 400)}
            inputs.append(Track(iid, customer, at, "order_completed", props))
        elif roll < 0.95:
            traits: dict[str, Any] = {"last_seen_at": at.isoformat()}
            if rng.random() < 0.3:
                traits["orders_count"] = rng.randrange(1, 4)
            inputs.append(Identify(iid, customer, at, traits))
        else:
            props = {"ticket_id": f"t-{n}", "csat": rng.randrange(1, 6)}
            inputs.append(Track(iid, customer, at, "ticket_closed", props))
    return inputs


def state_of(cat: Catalog, inputs: list[Input]) -> CustomerState:
    """The state after deciding every input in order."""
    state = CustomerState.new(inputs[0].customer_id)
    for inp in inputs:
        state = decide(state, inp, cat, inp.timestamp).state
    return state


def fill(cat: Catalog, db: Rdict, states: int, seed: int) -> tuple[array[int], int]:
    """Write `states` states; their sizes, and the live instances over all of them."""
    rng = random.Random(seed)
    sizes = array("I")  # compact, so the list of sizes barely shows in the RSS growth
    instances = 0
    batch = WriteBatch(raw_mode=True)
    started = time.perf_counter()
    for n in range(states):
        state = state_of(cat, life(rng, n))
        instances += len(state.instances)
        value = to_bytes(state)
        sizes.append(len(value))
        batch.put(state.customer_id.encode(), value)
        if (n + 1) % BATCH == 0:
            db.write(batch)
            batch = WriteBatch(raw_mode=True)
        if (n + 1) % 100_000 == 0:
            rate = (n + 1) / (time.perf_counter() - started)
            say(f"  {n + 1:,} states written ({rate:,.0f}/s), RSS {rss_bytes() / 2**20:,.0f} MiB")
    db.write(batch)
    return sizes, instances


def objects_per_state(path: Path, sample: int) -> float:
    """RSS bytes per state decoded and held as an object, over the first `sample` states."""
    db = Rdict(str(path), Options(raw_mode=True))
    try:
        raw = []
        for _, value in db.items():
            raw.append(value)
            if len(raw) >= sample:
                break
    finally:
        db.close()
    gc.collect()
    before = rss_bytes()
    held = {state.customer_id: state for state in map(from_bytes, raw)}
    gc.collect()
    grown = rss_bytes() - before
    count = len(held)
    del held
    return grown / max(count, 1)


def main() -> None:
    """Fill the store, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--states", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000, help="states decoded as objects")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON here")
    args = parser.parse_args()
    cat = catalog()
    workdir = Path(tempfile.mkdtemp(prefix="waymark-bench-states-"))
    path = workdir / "customers"
    try:
        gc.collect()
        rss_before = rss_bytes()
        options = Options(raw_mode=True)
        options.create_if_missing(True)
        db = Rdict(str(path), options)
        say(f"building {args.states:,} customer states through decide() into RocksDB")
        started = time.perf_counter()
        sizes, instances = fill(cat, db, args.states, args.seed)
        seconds = time.perf_counter() - started
        gc.collect()
        rss_filled = rss_bytes()
        say("flushing and compacting")
        db.flush()
        db.compact_range(None, None)
        db.close()
        on_disk = disk_bytes(path)
        say(f"decoding {min(args.sample, args.states):,} states as objects")
        per_object = objects_per_state(path, args.sample)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sizes = array("I", sorted(sizes))
    count = len(sizes)
    figures = {
        "states": count,
        "build_per_s": round(count / seconds),
        "live_instances_mean": round(instances / count, 2),
        "state_bytes_median": sizes[count // 2],
        "state_bytes_p95": sizes[min(count - 1, int(count * 0.95))],
        "state_bytes_mean": round(statistics.fmean(sizes), 1),
        "serialized_total_mib": round(sum(sizes) / 2**20, 1),
        "rss_growth_mib": round((rss_filled - rss_before) / 2**20, 1),
        "disk_mib": round(on_disk / 2**20, 1),
        "disk_bytes_per_state": round(on_disk / count, 1),
        "object_bytes_per_state": round(per_object),
        "objects_all_mib_estimate": round(per_object * count / 2**20),
        "object_sample": min(args.sample, count),
    }
    print(f"machine: {describe(machine())}")
    print(
        f"{count:,} customer states ({figures['live_instances_mean']} live instances each on "
        f"average), built at {figures['build_per_s']:,}/s"
    )
    print(
        f"serialized: median {figures['state_bytes_median']} B, p95 {figures['state_bytes_p95']} "
        f"B, mean {figures['state_bytes_mean']} B; {figures['serialized_total_mib']} MiB in all"
    )
    print(
        f"RocksDB: {figures['disk_mib']} MiB on disk after compaction "
        f"({figures['disk_bytes_per_state']} B per state); RSS grew "
        f"{figures['rss_growth_mib']} MiB while it filled"
    )
    print(
        f"as objects in memory: {figures['object_bytes_per_state']} B per state (sample of "
        f"{figures['object_sample']:,}), about {figures['objects_all_mib_estimate']:,} MiB for all"
    )
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
