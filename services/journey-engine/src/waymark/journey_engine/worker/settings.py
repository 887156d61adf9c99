"""Settings of the engine worker (`WAYMARK_ENGINE_WORKER_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from waymark.core.observability.runtime import DEFAULT_GC_THRESHOLD
from waymark.core.settings import ServiceSettings

__all__ = ["WorkerSettings"]


class WorkerSettings(ServiceSettings):
    """How one engine worker runs; every worker of a deployment shares `app_id`."""

    model_config = SettingsConfigDict(
        env_prefix="WAYMARK_ENGINE_WORKER_", extra="ignore", frozen=True
    )

    app_id: str = Field(default="waymark-engine", description="consumer group and table prefix")
    store: str = Field(default="rocksdb://", description="rocksdb:// in production, memory://")
    data_dir: Path = Field(default=Path(".local/engine"), description="the local state store")
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8082, description="health, readiness and /metrics")
    batch_size: int = Field(default=2000, ge=1, description="records decided per batch")
    state_cache: int = Field(
        default=200_000, ge=1, description="decoded customer states kept in memory"
    )
    timer_interval: float = Field(default=0.05, gt=0, description="seconds between timer scans")
    marketing_expiry_hours: int = Field(default=24, ge=1, description="a marketing send expires")
    transactional_expiry_hours: int = Field(default=72, ge=1)
    session_timeout: float = Field(default=10.0, description="broker session timeout, seconds")
    gc_threshold: tuple[int, int, int] = Field(
        default=DEFAULT_GC_THRESHOLD,
        description="the cyclic collector's thresholds, e.g. [50000, 20, 10] (JSON)",
    )
    log_level: str = "INFO"
