"""Settings from the environment: one prefix per service, failing fast on what is missing."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from waymark.core.errors import WaymarkError

__all__ = [
    "KafkaSettings",
    "MongoSettings",
    "ServiceSettings",
    "SettingsError",
    "load_settings",
]

S = TypeVar("S", bound=BaseSettings)


class SettingsError(WaymarkError):
    """The environment does not configure a service: names each variable and the reason."""


class ServiceSettings(BaseSettings):
    """Base of every service's settings; subclasses set their own `env_prefix`."""

    model_config = SettingsConfigDict(env_prefix="WAYMARK_", extra="ignore", frozen=True)


class KafkaSettings(BaseSettings):
    """Where the Kafka cluster is, shared by every service (`WAYMARK_KAFKA_*`)."""

    model_config = SettingsConfigDict(env_prefix="WAYMARK_KAFKA_", extra="ignore", frozen=True)

    bootstrap: str = Field(description="host:port[,host:port…] of the Kafka bootstrap servers")
    topic_prefix: str = Field(default="", description="prepended to every topic name")
    partitions: int = Field(default=6, ge=1, description="partitions of every keyed topic")
    replication_factor: int = Field(default=1, ge=1)
    client_id: str = Field(default="waymark")


class MongoSettings(BaseSettings):
    """Where MongoDB (or FerretDB) is, shared by every service (`WAYMARK_MONGO_*`)."""

    model_config = SettingsConfigDict(env_prefix="WAYMARK_MONGO_", extra="ignore", frozen=True)

    url: str = Field(description="mongodb:// connection string")
    database: str = Field(default="waymark")


def _env_name(cls: type[BaseSettings], loc: tuple[int | str, ...]) -> str:
    prefix = str(cls.model_config.get("env_prefix", ""))
    field = str(loc[0]) if loc else ""
    return f"{prefix}{field}".upper()


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Read `cls` from the environment, or raise SettingsError naming each bad variable."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = _env_name(cls, err["loc"])
            reason = "is required but not set" if err["type"] == "missing" else err["msg"]
            lines.append(f"{name} {reason}")
        raise SettingsError("; ".join(lines)) from None
