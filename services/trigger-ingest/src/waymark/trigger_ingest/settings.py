"""Settings of trigger-ingest (`WAYMARK_INGEST_*`), read once in `__main__`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from waymark.core.settings import ServiceSettings

__all__ = ["IngestSettings"]


class IngestSettings(ServiceSettings):
    """Where ingest listens, who may write, its limits and its patience with the broker."""

    model_config = SettingsConfigDict(env_prefix="WAYMARK_INGEST_", extra="ignore", frozen=True)

    host: str = Field(default="0.0.0.0", description="interface to listen on")
    port: int = Field(default=8090, ge=1, le=65535)
    write_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='write key per source as JSON: {"web": "<key>", "backend": "<key>"}',
    )
    webhook_secrets: dict[str, list[SecretStr]] = Field(
        default_factory=dict,
        description='HMAC secrets per provider as JSON: {"email": "<secret>"} or a list of '
        "secrets while one is being rotated",
    )
    max_event_bytes: int = Field(default=32 * 1024, ge=1024, description="one event, encoded")
    max_batch_bytes: int = Field(default=500 * 1024, ge=1024, description="one request body")
    max_batch_events: int = Field(default=1000, ge=1)
    max_future_seconds: float = Field(
        default=86400, ge=0, description="event timestamps further ahead are refused"
    )
    webhook_window_seconds: float = Field(
        default=300, gt=0, description="signed webhook timestamps must be this close to now"
    )
    replay_store: Literal["memory", "mongo"] = Field(
        default="memory",
        description="where seen webhook signatures are kept: memory (one replica) or mongo "
        "(shared by every replica, needs WAYMARK_MONGO_URL)",
    )
    replay_capacity: int = Field(
        default=200_000, ge=1, description="signatures the memory store keeps at most"
    )
    produce_timeout_seconds: float = Field(
        default=5.0, gt=0, description="longest wait for the broker's acknowledgement"
    )
    max_pending_records: int = Field(
        default=20_000, ge=1, description="records handed to the producer and not yet acked"
    )
    retry_after_seconds: int = Field(default=2, ge=1, description="the Retry-After of a 503")
    probe_interval_seconds: float = Field(
        default=1.0, gt=0, description="how often the broker connection is checked"
    )
    shutdown_timeout_seconds: float = Field(
        default=15.0, gt=0, description="longest wait for in-flight requests and the flush"
    )
    log_level: str = Field(default="INFO")

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _one_secret_or_many(cls, value: object) -> object:
        # A single secret is the common case; a list lets an old and a new secret overlap.
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("write_keys")
    @classmethod
    def _no_blank_key(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        # A blank key would let a request without credentials through.
        blank = [source for source, key in value.items() if not key.get_secret_value().strip()]
        if blank:
            raise ValueError(f"the write key of {', '.join(blank)} is blank")
        return value

    @field_validator("webhook_secrets")
    @classmethod
    def _no_blank_secret(cls, value: dict[str, list[SecretStr]]) -> dict[str, list[SecretStr]]:
        blank = [
            p
            for p, secrets in value.items()
            if not secrets or not all(s.get_secret_value().strip() for s in secrets)
        ]
        if blank:
            raise ValueError(f"the webhook secret of {', '.join(blank)} is blank")
        return value
