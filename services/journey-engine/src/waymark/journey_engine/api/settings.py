"""Settings of the management API (`WAYMARK_ENGINE_API_*`), read once in `__main__`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from waymark.core.settings import ServiceSettings

__all__ = ["ApiSettings", "Role"]

Role = Literal["viewer", "editor", "admin"]
"""What a bearer token may do: viewers read, editors write, admins also delete."""


class ApiSettings(ServiceSettings):
    """Where the API listens, who may call it, and its limits."""

    model_config = SettingsConfigDict(env_prefix="WAYMARK_ENGINE_API_", extra="ignore", frozen=True)

    host: str = Field(default="0.0.0.0", description="interface to listen on")
    port: int = Field(default=8080, ge=1, le=65535)
    tokens: dict[str, Role] = Field(
        default_factory=dict,
        description='bearer tokens and their roles as JSON: {"<token>": "viewer|editor|admin"}',
    )
    test_recipients: list[str] = Field(
        default_factory=list,
        description="addresses test sends may go to, as a JSON list; any other is refused",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="larger request bodies are refused with 413"
    )
    log_level: str = Field(default="INFO")
    analytics_url: str | None = Field(
        default=None,
        description="analytics base URL; edits then say how many customers stay on a version",
    )

    @field_validator("tokens")
    @classmethod
    def _no_blank_token(cls, value: dict[str, Role]) -> dict[str, Role]:
        # A blank token would let "Authorization: Bearer " through.
        if any(not token.strip() for token in value):
            raise ValueError("a token must not be blank")
        return value
