"""`waymark-ingest`: read the settings once, configure logging, serve until SIGTERM."""

from __future__ import annotations

import sys

import uvicorn

from waymark.core.observability.logging import configure_logging
from waymark.core.settings import KafkaSettings, MongoSettings, SettingsError, load_settings
from waymark.trigger_ingest.bootstrap import bootstrap
from waymark.trigger_ingest.log_throttle import throttle_kafka_client_logs
from waymark.trigger_ingest.settings import IngestSettings

__all__ = ["main"]


def main() -> None:
    """Run trigger-ingest with settings from the environment; exit 2 naming a bad variable."""
    try:
        settings = load_settings(IngestSettings)
        kafka = load_settings(KafkaSettings)
        mongo = load_settings(MongoSettings) if settings.replay_store == "mongo" else None
        configure_logging("trigger-ingest", level=settings.log_level)
        throttle_kafka_client_logs()
        app = bootstrap(settings, kafka, mongo=mongo)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        # Logging is already configured (JSON, PII masked); uvicorn's loggers propagate to it.
        log_config=None,
        access_log=False,
        # uvloop and httptools (uvicorn[standard]) when installed, asyncio and h11 otherwise;
        # the HTTP parser is a large share of a single event's CPU.
        loop="auto",
        http="auto",
        # SIGTERM: stop accepting, let requests in flight get their acknowledgements, then the
        # lifespan flushes the producer.
        timeout_graceful_shutdown=int(settings.shutdown_timeout_seconds),
    )


if __name__ == "__main__":
    main()
