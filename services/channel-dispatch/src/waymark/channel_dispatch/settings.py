"""channel-dispatch settings (`WAYMARK_DISPATCH_*`), read once in `__main__`."""

from __future__ import annotations

import socket
from typing import Literal, get_args

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from waymark.channel_dispatch.model import Lane
from waymark.core.settings import ServiceSettings

__all__ = ["DispatchSettings"]


class DispatchSettings(ServiceSettings):
    """Lanes, providers, failure handling and the HTTP surface of channel-dispatch."""

    model_config = SettingsConfigDict(env_prefix="WAYMARK_DISPATCH_", extra="ignore", frozen=True)

    # Lanes: separate consumer groups, bounds and commit cadence, so marketing never delays
    # a transactional send.
    group_id: str = "waymark-dispatch"
    lanes: str = Field(
        default="transactional,marketing",
        pattern=r"^(transactional|marketing)(,(transactional|marketing))?$",
        description="lanes this process consumes; run one process per lane to isolate them",
    )
    nice: int = Field(
        default=0, ge=0, le=19, description="lower this process's CPU priority (os.nice)"
    )
    cpu_class: Literal["normal", "idle"] = Field(
        default="normal",
        description="idle: Linux's idle scheduling class (SCHED_IDLE), a core only when "
        "nothing else wants one; a process woken beside it takes the core at once, where a "
        "niced one may wait out a time slice. For a marketing-only process on a host it "
        "shares with a transactional one",
    )
    instance_id: str = Field(
        default_factory=socket.gethostname,
        description="stable across restarts of one instance (pod name): names its Kafka "
        "transactions, so a restart aborts what a crash left open",
    )
    transactional_in_flight: int = Field(default=64, ge=1, description="records being sent")
    marketing_in_flight: int = Field(default=512, ge=1)
    transactional_commit_ms: int = Field(default=0, ge=0, description="min gap between commits")
    marketing_commit_ms: int = Field(default=200, ge=0)
    transactional_send_concurrency: int = Field(
        default=32, ge=1, description="provider calls at once per provider"
    )
    marketing_send_concurrency: int = Field(
        default=128,
        ge=1,
        description="provider calls at once per provider; also what a crash can leave "
        "uncertain (failed: unknown) at most",
    )
    transactional_ledger_linger_ms: float = Field(
        default=0.0, ge=0, description="wait to fill a group of ledger writes (latency first)"
    )
    marketing_ledger_linger_ms: float = Field(
        default=20.0,
        ge=0,
        description="wait to fill a group of ledger writes: fewer, larger writes per email "
        "(FerretDB commits each write; 20 ms gave the most emails/s on the bench)",
    )
    marketing_ledger_group: int = Field(
        default=256, ge=1, description="ledger documents per write, at most"
    )
    ledger_database: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9_-]*$",
        description="database of this process's claims, sends and results (default: the "
        "main one); on FerretDB with SQLite each database has its own writer, so a "
        "transactional lane with its own never waits for a marketing drain's writes. "
        "Change it only with the lane's topic drained: claims in the old one are not seen",
    )
    marketing_yields: bool = Field(
        default=True,
        description="in a process with both lanes, marketing starts no send while a "
        "transactional one runs",
    )
    marketing_yield_delay: float = Field(
        default=0.0,
        ge=0,
        description="pace marketing processes by the transactional lanes' delay: the share "
        "by which transactional sends take longer than while marketing is quiet, beyond "
        "which marketing slows down (0.5: half as long again); 0: off (see docs/operations.md)",
    )
    marketing_min_rate: float = Field(
        default=20.0, gt=0, description="sends/s marketing keeps while it yields, at least"
    )
    pressure_interval_ms: int = Field(
        default=250, ge=10, description="how often the delay is published and followed"
    )

    # The ledger's view of a crashed owner: a claim whose owner stopped its heartbeat for
    # this long, without a result, is resolved (resent with its key, or failed: unknown).
    heartbeat_s: float = Field(default=2.0, gt=0)
    owner_stale_s: float = Field(default=10.0, gt=0)

    # Templates.
    template_cache_s: float = Field(default=30.0, ge=0)

    # SMTP.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_tls: bool = Field(default=False, description="implicit TLS (port 465 style)")
    smtp_starttls: bool | None = Field(
        default=None, description="true: require, false: never, unset: when offered"
    )
    smtp_validate_certs: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_pool_size: int = Field(default=64, ge=1, description="connections per lane, at most")
    smtp_pipelining: bool = Field(
        default=True, description="send MAIL, RCPT and DATA together where the server offers it"
    )
    smtp_timeout_s: float = Field(default=15.0, gt=0)
    mail_from: str = "Waymark <noreply@waymark.local>"
    message_id_domain: str = "waymark.local"

    # SMS, Twilio-style REST.
    sms_base_url: str = "http://127.0.0.1:8025"
    sms_account_sid: str = "ACwaymark"
    sms_auth_token: SecretStr = SecretStr("dev-token")
    sms_from: str = "+15550000000"

    # Push, FCM-style HTTP v1.
    push_base_url: str = "http://127.0.0.1:8025"
    push_project_id: str = "waymark-dev"
    push_access_token: SecretStr = SecretStr("dev-token")

    # Signed webhooks.
    webhook_url: str = "http://127.0.0.1:8025/webhooks/waymark"
    webhook_secret: SecretStr = SecretStr("dev-webhook-secret")

    http_timeout_s: float = Field(default=10.0, gt=0)
    http_pool_size: int = Field(default=64, ge=1, description="connections per provider")

    # Retries: exponential backoff with full jitter; Retry-After wins when the provider sends it.
    retry_attempts: int = Field(default=5, ge=1)
    retry_base_s: float = Field(default=0.5, ge=0)
    retry_max_s: float = Field(default=30.0, ge=0)
    retry_after_max_s: float = Field(default=120.0, ge=0)

    # Per-provider rate (sends/s) halving on 429 and recovering, and circuit breaker.
    smtp_rate: float = Field(default=5000.0, gt=0)
    sms_rate: float = Field(default=100.0, gt=0)
    push_rate: float = Field(default=500.0, gt=0)
    webhook_rate: float = Field(default=200.0, gt=0)
    rate_recover_s: float = Field(default=10.0, gt=0, description="time to recover full rate")
    breaker_failures: int = Field(default=5, ge=1, description="consecutive, to open")
    breaker_reset_s: float = Field(default=10.0, gt=0, description="open, before a probe")

    # HTTP: health, readiness, metrics and the unsubscribe target.
    http_host: str = "127.0.0.1"
    http_port: int = 8083
    public_url: str = Field(
        default="http://127.0.0.1:8083", description="base of unsubscribe links in emails"
    )
    unsubscribe_secret: SecretStr = SecretStr("dev-unsubscribe-secret")
    unsubscribe_mailto: str | None = Field(
        default=None, description="mailbox for List-Unsubscribe mailto: (optional)"
    )

    log_level: str = "INFO"

    @property
    def lane_names(self) -> tuple[Lane, ...]:
        """The configured lanes, transactional first."""
        wanted = set(self.lanes.split(","))
        return tuple(lane for lane in get_args(Lane) if lane in wanted)
