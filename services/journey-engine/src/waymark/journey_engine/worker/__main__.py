"""`waymark-engine-worker`: run one engine worker until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import faulthandler
import signal
import sys

from waymark.core.observability.logging import configure_logging
from waymark.core.observability.runtime import tune_gc
from waymark.core.settings import KafkaSettings, SettingsError, load_settings
from waymark.journey_engine.worker.app import EngineWorker
from waymark.journey_engine.worker.settings import WorkerSettings


async def _run(settings: WorkerSettings, kafka: KafkaSettings) -> None:
    worker = EngineWorker(settings, kafka)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    await worker.run()


def main() -> None:
    """Read settings, then run the worker; a signal lets it finish its batch and leave."""
    try:
        settings = load_settings(WorkerSettings)
        kafka = load_settings(KafkaSettings)
    except SettingsError as exc:
        print(f"waymark-engine-worker: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging("journey-engine-worker", level=settings.log_level)
    # `kill -USR1 <pid>` prints every thread's stack: the way to see what a stuck worker does.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tune_gc(settings.gc_threshold)
    asyncio.run(_run(settings, kafka))


if __name__ == "__main__":
    main()
