"""In-memory doubles for ingest's unit tests: a publisher that keeps records, a fixed clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from waymark.core.contracts import AvroCodec
from waymark.trigger_ingest.records import OutgoingRecord
from waymark.trigger_ingest.refusals import Fault, UnavailableError

WRITE_KEY = "unit-web-key"
SECRETS = {"email": "unit-email-secret", "sms": "unit-sms-secret", "push": "unit-push-secret"}
NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
PREFIX = "unit."
CODEC = AvroCodec.static()


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class MemoryPublisher:
    """Keeps what it is given; while `down`, refuses like a broker that cannot be reached."""

    def __init__(self) -> None:
        self.records: list[OutgoingRecord] = []
        self.down = False

    @property
    def ready(self) -> bool:
        return not self.down

    async def publish(self, records: Sequence[OutgoingRecord]) -> None:
        if self.down:
            raise UnavailableError(
                Fault(None, "the event broker cannot be reached; retry later", "unavailable"),
                headers={"Retry-After": "2"},
            )
        self.records.extend(records)

    def decoded(self, topic: str | None = None) -> list[dict[str, Any]]:
        """The records' values, decoded, optionally of one logical topic only."""
        return [
            CODEC.decode(r.value).record
            for r in self.records
            if topic is None or r.topic == PREFIX + topic
        ]


def signed_headers(provider: str, body: bytes, at: datetime = NOW) -> dict[str, str]:
    """The headers a provider sends with `body`, signed at `at`."""
    from waymark.trigger_ingest.webhooks.signature import (
        SIGNATURE_HEADER,
        TIMESTAMP_HEADER,
        sign,
    )

    stamp = int(at.timestamp())
    return {
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(SECRETS[provider], stamp, body),
        "content-type": "application/json",
    }
