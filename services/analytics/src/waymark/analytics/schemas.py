"""The bodies of the analytics API, as their OpenAPI document describes them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "Activity",
    "Arm",
    "ChannelMessages",
    "CustomerTrace",
    "DayValue",
    "ErrorBody",
    "FieldError",
    "Funnel",
    "FunnelStage",
    "JourneyRow",
    "JourneySteps",
    "JourneySummary",
    "JourneyTable",
    "Lift",
    "LiftInterval",
    "MessageRates",
    "Messages",
    "ReadinessBody",
    "ReasonCount",
    "StepRow",
    "StepStatus",
    "TimeSeries",
    "TimeseriesMetric",
    "TraceEntry",
    "VersionSummary",
]

StepStatus = Literal["pending", "in progress", "completed", "failed"]
"""A step's status (seed 000): nobody reached it, somebody is in it now, customers passed it,
or everybody who left it failed."""


class FieldError(BaseModel):
    """One reason a request was refused; `field` is null when no single field is to blame."""

    field: str | None
    reason: str


class ErrorBody(BaseModel):
    """The body of every error response."""

    errors: list[FieldError]


class ReadinessBody(BaseModel):
    """Whether the service can serve, and what each check says: `ok`, or why not."""

    ready: bool
    checks: dict[str, str] = Field(
        description="per dependency or part: `ok`, or the reason, e.g. `unreachable: ...`",
        examples=[{"mongo": "ok", "kafka": "unreachable: not connected yet"}],
    )


class ReasonCount(BaseModel):
    """How many times a reason was given."""

    reason: str
    count: int


class Activity(BaseModel):
    """One step of the journey table: what it does, where, and its status."""

    milestone_id: str | None
    step_id: str
    kind: str = Field(description="send, wait, wait_for, branch, split, update, exit")
    channel: str | None = Field(description="the channel of a send step")
    status: StepStatus


class JourneyRow(BaseModel):
    """One journey of the journey table (seed 000), over all its versions."""

    journey_id: str
    name: str
    type: str
    status: str = Field(description="the lifecycle status of the latest version")
    version: int = Field(description="the latest version")
    steps: int = Field(description="steps in the latest version")
    activities: list[Activity]
    steps_in_progress: int
    steps_completed: int
    executions: int = Field(description="entries into the journey")
    in_progress: int = Field(description="customers inside the journey now")
    completed: int = Field(description="instances that ran to the end")
    exited: int = Field(description="instances that left, for any reason")
    conversions: int
    conversion_rate: float | None


class JourneyTable(BaseModel):
    """Every journey of one type."""

    type: Literal["marketing", "transactional"]
    journeys: list[JourneyRow]


class VersionSummary(BaseModel):
    """The counts of one version (or of all versions)."""

    version: int | None = Field(description="null for the total over every version")
    entries: int
    in_progress: int
    completed: int
    exited: int
    converted: int
    suppressed: int
    exits_by_reason: list[ReasonCount]
    suppressed_by_reason: list[ReasonCount]


class JourneySummary(BaseModel):
    """A journey's totals and each version's."""

    journey_id: str
    name: str
    type: str
    total: VersionSummary
    versions: list[VersionSummary]


class StepRow(BaseModel):
    """One step: how many entered, completed, were skipped, failed, and are in it now."""

    milestone_id: str | None
    step_id: str
    kind: str
    channel: str | None
    entered: int
    completed: int
    suppressed: int
    failed: int
    in_step: int = Field(description="customers in this step now")
    status: StepStatus
    suppressed_by_reason: list[ReasonCount]


class JourneySteps(BaseModel):
    """Every step of a journey, in the latest version's order (older versions' after)."""

    journey_id: str
    version: int | None
    steps: list[StepRow]


class FunnelStage(BaseModel):
    """One milestone: entered (by transition) and reached (this milestone or a later one)."""

    milestone_id: str
    name: str | None
    entered: int
    reached: int
    rate_from_previous: float | None = Field(description="reached / the previous stage")
    rate_from_entry: float | None = Field(description="reached / entries")


class Funnel(BaseModel):
    """The milestone funnel of a journey (seeds 001, 004), ending with conversions."""

    journey_id: str
    version: int | None
    entries: int
    milestones: list[FunnelStage]
    converted: int
    conversion_rate: float | None


class MessageRates(BaseModel):
    """Rates of a channel; null when the denominator is zero."""

    delivery_rate: float | None = Field(description="delivered / sent")
    open_rate: float | None = Field(description="opened / delivered")
    click_rate: float | None = Field(description="clicked / delivered")
    click_to_open_rate: float | None = Field(description="clicked / opened")
    bounce_rate: float | None = Field(description="bounced / sent")
    failure_rate: float | None = Field(description="failed / (sent + failed)")
    unsubscribe_rate: float | None = Field(description="unsubscribed / delivered")


class ChannelMessages(BaseModel):
    """Distinct messages of one channel per status (a message counts once per status)."""

    channel: str
    sent: int
    delivered: int
    failed: int
    bounced: int
    suppressed: int
    expired: int
    opened: int
    clicked: int
    unsubscribed: int
    rates: MessageRates


class Messages(BaseModel):
    """A journey's messages per channel and in total."""

    journey_id: str
    version: int | None
    channels: list[ChannelMessages]
    total: ChannelMessages


class Arm(BaseModel):
    """One arm of a holdout: entries assigned to it and those that converted."""

    customers: int
    conversions: int
    rate: float | None


class LiftInterval(BaseModel):
    """A confidence interval of the difference treatment rate - control rate."""

    low: float
    high: float
    confidence: float
    method: str


class Lift(BaseModel):
    """Conversion of the treatment against the control group of a split."""

    journey_id: str
    step_id: str
    goal_event: str
    window_seconds: int
    control: Arm
    treatment: Arm
    lift: float | None = Field(description="treatment rate - control rate")
    relative_lift: float | None = Field(description="lift / control rate")
    interval: LiftInterval | None


class TimeseriesMetric(StrEnum):
    """What a daily time series counts."""

    ENTRIES = "entries"
    COMPLETED = "completed"
    EXITED = "exited"
    CONVERTED = "converted"
    SUPPRESSED = "suppressed"
    STEP_FAILED = "step_failed"
    GOAL_EVENTS = "goal_events"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    OPENED = "opened"
    CLICKED = "clicked"
    UNSUBSCRIBED = "unsubscribed"


class DayValue(BaseModel):
    """The count of one UTC day."""

    day: date
    value: int


class TimeSeries(BaseModel):
    """A daily series, every day of the window present (zero when nothing happened)."""

    journey_id: str
    metric: TimeseriesMetric
    days: list[DayValue]


class TraceEntry(BaseModel):
    """One decision or outcome about a customer, with its reason and what it means."""

    at: datetime
    source: Literal["transition", "outcome"]
    journey_id: str | None
    journey_version: int | None
    entry_id: str | None
    kind: str = Field(description="the transition kind, or `outcome`")
    status: str | None = Field(description="the outcome status")
    milestone_id: str | None
    step_id: str | None
    channel: str | None
    reason: str | None
    explanation: str | None = Field(description="why, in words, for skipped or failed sends")


class CustomerTrace(BaseModel):
    """A customer's recent decisions across journeys, and every send that did not go out."""

    customer_id: str
    decisions: list[TraceEntry] = Field(description="most recent first")
    skipped: list[TraceEntry] = Field(
        description="every `suppressed` transition (with the engine's reason) and every "
        "outcome that was suppressed, failed, bounced or expired, most recent first"
    )
