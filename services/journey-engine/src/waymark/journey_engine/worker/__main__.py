"""`waymark-engine-worker`: run one engine worker until SIGTERM/SIGINT."""

from __future__ import annotations

import faulthandler
import signal
import sys

from faust import Worker

from waymark.core.observability.logging import configure_logging
from waymark.core.settings import KafkaSettings, SettingsError, load_settings
from waymark.journey_engine.worker.app import EngineWorker
from waymark.journey_engine.worker.settings import WorkerSettings


def main() -> None:
    """Read settings, build the worker and run it; Faust stops it cleanly on a signal."""
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
    engine = EngineWorker(settings, kafka)
    # Our logging (JSON, PII masked) stays in charge: Faust's own set-up would replace it and
    # leave library debug logging on, which costs a log record per Kafka request.
    worker = Worker(
        engine.app, loglevel=settings.log_level.lower(), quiet=True, override_logging=False
    )
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
