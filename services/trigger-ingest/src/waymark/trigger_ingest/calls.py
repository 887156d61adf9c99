"""Segment-style calls as they arrive: identify, track, consent, api triggers and batches.

Unknown fields are ignored, as Segment libraries send many (integrations, sentAt, version).
The models describe the OpenAPI request bodies and validate them; nothing else crosses the
edge as a dict.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
)

__all__ = [
    "BATCH_TYPES",
    "EPOCH",
    "BatchCall",
    "Call",
    "ConsentCall",
    "IdentifyCall",
    "TrackCall",
    "TriggerCall",
    "not_before_epoch",
]

_MAX_ID = 256
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _identifier(value: Any) -> Any:
    # Segment libraries send ids as strings; some backends send integers. A bool is neither.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a string or an integer")
    text = str(value)
    if not text.strip():
        raise ValueError("must not be blank")
    if len(text) > _MAX_ID:
        raise ValueError(f"must be at most {_MAX_ID} characters")
    return text


def _timestamp(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an ISO-8601 string such as 2026-01-05T10:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("is not an ISO-8601 date-time such as 2026-01-05T10:00:00Z") from None
    # Without an offset the instant is taken as UTC, as Segment does.
    return not_before_epoch(parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC))


def not_before_epoch(moment: datetime) -> datetime:
    """`moment` unless it lies before 1970, which readers of the record may fail to decode."""
    # Year-1 instants with a positive offset are in year 0 in UTC, which no datetime can hold.
    if moment < EPOCH:
        raise ValueError("must not be before 1970-01-01T00:00:00Z")
    return moment


def _object(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    return value


Identifier = Annotated[
    str,
    BeforeValidator(_identifier),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "minLength": 1, "maxLength": _MAX_ID}, {"type": "integer"}]}
    ),
]
Timestamp = Annotated[
    datetime,
    BeforeValidator(_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
JsonObject = Annotated[
    dict[str, Any],
    BeforeValidator(_object),
    WithJsonSchema({"type": "object", "additionalProperties": True}),
]
Name = Annotated[str, Field(min_length=1, max_length=_MAX_ID)]


class _Call(BaseModel):
    """Fields every Segment-style call shares."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=False)

    user_id: Identifier | None = Field(default=None, alias="userId")
    anonymous_id: Identifier | None = Field(default=None, alias="anonymousId")
    message_id: Name | None = Field(
        default=None,
        alias="messageId",
        description="the event id; generated when missing, passed through unchanged when sent",
    )
    timestamp: Timestamp | None = Field(
        default=None, description="when it happened; the time of receipt when missing"
    )
    context: JsonObject | None = None


class IdentifyCall(_Call):
    """`POST /v1/identify`: traits of a customer."""

    traits: JsonObject = Field(default_factory=dict)


class TrackCall(_Call):
    """`POST /v1/track`: something the customer did."""

    event: Name
    properties: JsonObject = Field(default_factory=dict)


class ConsentCall(_Call):
    """`POST /v1/consent`: marketing consent granted or withdrawn on one channel."""

    channel: Literal["email", "sms", "push", "webhook"]
    granted: StrictBool


class TriggerCall(_Call):
    """`POST /v1/journeys/{id}/trigger`: enter a journey; `properties` is `entry.properties`."""

    properties: JsonObject = Field(default_factory=dict)


class IdentifyItem(IdentifyCall):
    """An identify call inside a batch."""

    type: Literal["identify"]


class TrackItem(TrackCall):
    """A track call inside a batch."""

    type: Literal["track"]


class ConsentItem(ConsentCall):
    """A consent call inside a batch."""

    type: Literal["consent"]


Call = IdentifyCall | TrackCall | ConsentCall | TriggerCall

BATCH_TYPES: dict[str, type[IdentifyCall | TrackCall | ConsentCall]] = {
    "identify": IdentifyItem,
    "track": TrackItem,
    "consent": ConsentItem,
}
"""The call model of each `type` a batch item may have."""


class BatchCall(BaseModel):
    """`POST /v1/batch`: up to 1,000 calls, accepted all together or not at all."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    batch: list[Annotated[IdentifyItem | TrackItem | ConsentItem, Field(discriminator="type")]] = (
        Field(min_length=1)
    )
    context: JsonObject | None = Field(
        default=None, description="merged under each call's own context"
    )
