"""`waymark-engine-api`: read the settings once, then serve the API with uvicorn."""

from __future__ import annotations

import sys

import uvicorn

from waymark.core.observability.logging import configure_logging
from waymark.core.settings import KafkaSettings, MongoSettings, SettingsError, load_settings
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.bootstrap import bootstrap
from waymark.journey_engine.api.settings import ApiSettings

__all__ = ["main"]


def main() -> None:
    """Serve the management API on `WAYMARK_ENGINE_API_HOST:PORT` (default port 8080)."""
    try:
        settings = load_settings(ApiSettings)
        kafka = load_settings(KafkaSettings)
        mongo = load_settings(MongoSettings)
    except SettingsError as exc:
        print(f"waymark-engine-api: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging("journey-engine-api", level=settings.log_level)
    app = create_app(
        lambda: bootstrap(settings, kafka, mongo), max_body_bytes=settings.max_body_bytes
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )


if __name__ == "__main__":
    main()
