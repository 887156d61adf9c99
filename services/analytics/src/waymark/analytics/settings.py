"""Settings of analytics (`WAYMARK_ANALYTICS_*`), read once in `__main__`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from waymark.core.settings import ServiceSettings

__all__ = ["AnalyticsSettings"]


class AnalyticsSettings(ServiceSettings):
    """Where analytics listens, which group it consumes in, and where its aggregates live."""

    model_config = SettingsConfigDict(env_prefix="WAYMARK_ANALYTICS_", extra="ignore", frozen=True)

    host: str = Field(default="0.0.0.0", description="interface to listen on")
    port: int = Field(default=8084, ge=1, le=65535)
    group_id: str = Field(
        default="waymark-analytics", min_length=1, description="Kafka consumer group"
    )
    database: str | None = Field(
        default=None,
        description="MongoDB database of the aggregates (default: WAYMARK_MONGO_DATABASE); "
        "point it at a database `waymark-analytics rebuild` filled to switch over",
    )
    consume: bool = Field(
        default=True,
        description="run the consumer in this process; false serves the API only",
    )
    max_batch_records: int = Field(
        default=2000, ge=1, le=100_000, description="records applied in one batch"
    )
    poll_timeout_ms: int = Field(default=500, ge=10, le=60_000)
    batch_linger_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="seconds a batch waits for more records before it is applied; fewer, "
        "larger writes (FerretDB syncs a transaction for each write command)",
    )
    retry_seconds: float = Field(
        default=2.0, gt=0, description="pause before applying a batch again after a failure"
    )
    trace_limit: int = Field(
        default=200, ge=1, le=5000, description="decisions a customer trace shows at most"
    )
    latency_memory: int = Field(
        default=50_000,
        ge=0,
        description="event times remembered to measure event-to-send latency (0: off)",
    )
    shutdown_timeout_seconds: float = Field(default=15.0, gt=0)
    log_level: str = Field(default="INFO")
