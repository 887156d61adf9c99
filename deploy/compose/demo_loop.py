"""The compose stack's demo: load the example templates and journeys, then send demo traffic.

Runs in the Waymark image with `deploy/local/` and `examples/` mounted under `/demo`, reusing
what `make run` uses (`supervisor.load_examples`, `demo_traffic.DemoTraffic`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "local"))
from demo_traffic import DemoTraffic
from supervisor import load_examples


def setting(name: str, default: str | None = None) -> str:
    """`WAYMARK_DEMO_<name>` from the environment; exits naming the variable when unset."""
    value = os.environ.get(f"WAYMARK_DEMO_{name}", default)
    if value is None:
        sys.exit(f"WAYMARK_DEMO_{name} is required but not set")
    return value


async def wait_ready(url: str, stop: asyncio.Event) -> None:
    """Poll `url` until it answers 200, so the demo starts once the platform is up."""
    async with httpx.AsyncClient(timeout=2) as client:
        while not stop.is_set():
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(1)


async def main() -> None:
    """Examples once, then traffic until the container is stopped."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    ingest = setting("INGEST_URL", "http://ingest:8090")
    api = setting("API_URL", "http://engine-api:8080")
    await wait_ready(f"{api}/readyz", stop)
    await load_examples(api, setting("ADMIN_TOKEN"))
    await wait_ready(f"{ingest}/readyz", stop)
    demo = DemoTraffic(
        ingest,
        setting("WRITE_KEY"),
        customers=int(setting("CUSTOMERS", "300")),
        rate=float(setting("RATE", "20")),
        webhook_secret=setting("WEBHOOK_SECRET"),
    )
    traffic = asyncio.create_task(demo.run(stop))
    await stop.wait()
    traffic.cancel()


if __name__ == "__main__":
    asyncio.run(main())
