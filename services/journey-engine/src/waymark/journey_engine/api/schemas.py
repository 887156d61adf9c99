"""Request and response bodies of the journey routes, as they appear in the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from waymark.journey_engine.api.bodies import bounded_json
from waymark.journey_engine.api.store import JourneyRecord, Status, VersionRecord

__all__ = [
    "DraftSimulateIn",
    "JourneyDetail",
    "JourneyList",
    "JourneySummary",
    "JourneyText",
    "JsonObject",
    "ParseIn",
    "ParsedJourney",
    "ProblemOut",
    "SimulateIn",
    "SimulateOut",
    "UpdateOut",
    "ValidateOut",
    "VersionDetail",
    "VersionDiff",
    "VersionList",
    "VersionSummary",
]


JsonObject = Annotated[dict[str, Any], AfterValidator(bounded_json)]
"""A JSON object of bounded depth with finite numbers."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JourneySummary(_Out):
    """A journey without its definition: what lists show."""

    id: str
    name: str
    type: Literal["marketing", "transactional"]
    status: Status
    version: int | None = Field(description="latest published version; null for a draft")
    checksum: str = Field(description="SHA-256 of the current definition's canonical JSON")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: JourneyRecord) -> JourneySummary:
        """The summary of a stored journey."""
        return cls(
            id=record.id,
            name=record.name,
            type=record.type,
            status=record.status,
            version=record.version or None,
            checksum=record.checksum,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class JourneyDetail(JourneySummary):
    """A journey with its current definition (the draft, or the latest version)."""

    definition: dict[str, Any]

    @classmethod
    def of(cls, record: JourneyRecord) -> JourneyDetail:
        """The detail of a stored journey."""
        summary = JourneySummary.of(record).model_dump()
        return cls(**summary, definition=record.definition)


class JourneyList(_Out):
    """Journeys matching the filters, by id."""

    journeys: list[JourneySummary]


class UpdateOut(_Out):
    """The journey after an edit, and what the edit published."""

    journey: JourneyDetail
    published_version: int | None = Field(
        description="the version this edit published; null for a draft edit or no change"
    )
    customers_in_older_versions: int | None = Field(
        description="customers still inside older versions (they keep theirs); null when unknown"
    )


class VersionSummary(_Out):
    """One published version, without its definition."""

    journey_id: str
    version: int
    checksum: str
    status: Status = Field(description="the journey's status when this version was published")
    published_at: datetime
    on_topic: bool = Field(description="whether the broker acknowledged its record")
    customers: int | None = Field(description="customers inside this version; null when unknown")

    @classmethod
    def of(cls, record: VersionRecord, customers: int | None) -> VersionSummary:
        """The summary of a stored version."""
        return cls(
            journey_id=record.journey_id,
            version=record.version,
            checksum=record.checksum,
            status=record.status,
            published_at=record.published_at,
            on_topic=record.on_topic,
            customers=customers,
        )


class VersionDetail(VersionSummary):
    """One published version with its definition."""

    definition: dict[str, Any]


class VersionList(_Out):
    """Every published version of a journey, oldest first."""

    versions: list[VersionSummary]


class VersionDiff(_Out):
    """What changed between two versions of a journey."""

    journey_id: str
    from_version: int = Field(serialization_alias="from")
    to_version: int = Field(serialization_alias="to")
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]


class ProblemOut(_Out):
    """One problem of a journey document."""

    path: str
    message: str


class ValidateOut(_Out):
    """Whether a journey document is valid, and every problem when it is not."""

    valid: bool
    problems: list[ProblemOut]


class SimulateIn(_In):
    """Simulator inputs (JOURNEYS.md, one object per line there) and an optional horizon."""

    events: list[JsonObject] = Field(max_length=10_000)
    until: datetime | None = Field(
        default=None, description="fire timers up to here; default 90 days after the last input"
    )


class SimulateOut(_Out):
    """The simulator output of JOURNEYS.md."""

    commands: list[dict[str, Any]]
    transitions: list[dict[str, Any]]


class DraftSimulateIn(SimulateIn):
    """A journey document that need not be saved, and the simulator inputs to run it over."""

    journey: JsonObject = Field(description="a journey document (JOURNEYS.md)")


class ParseIn(_In):
    """A journey written as YAML or JSON text."""

    text: str = Field(min_length=1, description="the file's content, YAML or JSON")


class ParsedJourney(_Out):
    """The document a text holds (not yet validated: see /v1/journeys/validate)."""

    document: dict[str, Any]


class JourneyText(_Out):
    """A journey document written as YAML."""

    text: str
