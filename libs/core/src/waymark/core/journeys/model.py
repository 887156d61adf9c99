"""The journey model, exactly as JOURNEYS.md writes it, and its YAML/JSON round trip."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeAlias, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from croniter import croniter
from pydantic import BeforeValidator, Field, Tag, field_validator, model_validator
from pydantic_core import PydanticCustomError

from waymark.core.journeys.base import DefinitionModel, KeyedUnion
from waymark.core.journeys.conditions import Condition
from waymark.core.journeys.durations import ClockTime, Duration
from waymark.core.journeys.steps import (
    EXIT,
    OUTCOME_STATUSES,
    BranchCase,
    BranchSpec,
    BranchStep,
    Channel,
    ExitSpec,
    ExitStep,
    Jump,
    OutcomeStatus,
    SendSpec,
    SendStep,
    SplitPath,
    SplitSpec,
    SplitStep,
    Step,
    StepKind,
    UpdateSpec,
    UpdateStep,
    WaitForSpec,
    WaitForStep,
    WaitSpec,
    WaitStep,
)

__all__ = [
    "EXIT",
    "OUTCOME_STATUSES",
    "ApiTrigger",
    "BranchCase",
    "BranchSpec",
    "BranchStep",
    "Category",
    "Channel",
    "ConditionTrigger",
    "EventTrigger",
    "ExitSpec",
    "ExitStep",
    "Goal",
    "Journey",
    "Jump",
    "Milestone",
    "OutcomeStatus",
    "QuietHours",
    "Reentry",
    "ReentryAfter",
    "ReentryAlways",
    "ReentryNever",
    "ScheduleSpec",
    "ScheduleTrigger",
    "SendSpec",
    "SendStep",
    "SplitPath",
    "SplitSpec",
    "SplitStep",
    "Step",
    "StepKind",
    "TemplateCatalog",
    "Trigger",
    "UpdateSpec",
    "UpdateStep",
    "WaitForSpec",
    "WaitForStep",
    "WaitSpec",
    "WaitStep",
    "dump_journey",
    "journey_document",
    "load_journey",
    "parse_journey",
]

Category = Literal["marketing", "transactional"]
TemplateCatalog: TypeAlias = Mapping[str, Category]
"""Template id → category, as the template store knows them."""

JOURNEY_ID_PATTERN = r"^[a-z0-9-]{3,64}$"


class EventTrigger(DefinitionModel):
    """`event: NAME` (+ `where`): enter on a matching event."""

    kind: ClassVar[Literal["event"]] = "event"
    event: str = Field(min_length=1)
    where: Condition | None = None


class ConditionTrigger(DefinitionModel):
    """`condition: C`: enter when C turns from false to true after an input."""

    kind: ClassVar[Literal["condition"]] = "condition"
    condition: Condition


class ScheduleSpec(DefinitionModel):
    """A cron schedule in a time zone (UTC when none), with an optional audience."""

    cron: str
    timezone: str | None = None
    audience: Condition | None = None

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not croniter.is_valid(value):
            raise PydanticCustomError(
                "cron", "'{cron}' is not a valid cron expression", {"cron": value}
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise PydanticCustomError(
                    "timezone", "'{zone}' is not a known time zone", {"zone": value}
                ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's time zone."""
        return ZoneInfo(self.timezone or "UTC")


class ScheduleTrigger(DefinitionModel):
    """`schedule: {cron, timezone, audience}`: at each tick, matching customers enter."""

    kind: ClassVar[Literal["schedule"]] = "schedule"
    schedule: ScheduleSpec


class ApiTrigger(DefinitionModel):
    """`api: true`: enter through the trigger API with a payload."""

    kind: ClassVar[Literal["api"]] = "api"
    api: Literal[True]


TRIGGER_UNION = KeyedUnion(
    "a trigger",
    {
        "event": EventTrigger,
        "condition": ConditionTrigger,
        "schedule": ScheduleTrigger,
        "api": ApiTrigger,
    },
)

Trigger: TypeAlias = Annotated[
    Union[  # noqa: UP007 (tagged members need the Union form)
        Annotated[EventTrigger, Tag("EventTrigger")],
        Annotated[ConditionTrigger, Tag("ConditionTrigger")],
        Annotated[ScheduleTrigger, Tag("ScheduleTrigger")],
        Annotated[ApiTrigger, Tag("ApiTrigger")],
    ],
    TRIGGER_UNION.discriminator,
    TRIGGER_UNION.validator,
]
"""A trigger, parsed by which of `event`, `condition`, `schedule`, `api` it has."""


class ReentryNever(DefinitionModel):
    """A customer enters the journey at most once."""

    mode: Literal["never"] = "never"


class ReentryAlways(DefinitionModel):
    """A customer may enter again whenever not already inside."""

    mode: Literal["always"] = "always"


class ReentryAfter(DefinitionModel):
    """A customer may enter again once `cooldown` has passed since the last entry."""

    mode: Literal["after"] = "after"
    cooldown: Duration


def _reentry_shorthand(value: Any) -> Any:
    return {"mode": value} if isinstance(value, str) else value


Reentry: TypeAlias = Annotated[
    ReentryNever | ReentryAlways | ReentryAfter,
    Field(discriminator="mode"),
    BeforeValidator(_reentry_shorthand),
]
"""`{mode: never}`, `{mode: always}` or `{mode: after, cooldown: P30D}`."""


class Goal(DefinitionModel):
    """A conversion: the event (matching `where`) within `within` of entry ends the journey."""

    event: str = Field(min_length=1)
    where: Condition | None = None
    within: Duration


class QuietHours(DefinitionModel):
    """Marketing sends between `start` and `end` (customer's zone) are delayed."""

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise PydanticCustomError(
                "quiet_hours",
                "quiet hours start and end at the same time ({time}), which is no window",
                {"time": self.start.strftime("%H:%M")},
            )
        return self


class Milestone(DefinitionModel):
    """An ordered stage of a journey: entered when `entry` holds, then runs its steps."""

    id: str = Field(min_length=1, max_length=64)
    name: str | None = None
    entry: Condition | None = None
    steps: list[Step] = Field(default_factory=list)

    @cached_property
    def step_positions(self) -> dict[str, int]:
        """Step id → its index in `steps` (the first one, if ids repeat)."""
        positions: dict[str, int] = {}
        for index, step in enumerate(self.steps):
            positions.setdefault(step.id, index)
        return positions

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError when none)."""
        return self.steps[self.step_positions[step_id]]

    def next_step_id(self, step_id: str) -> str | None:
        """The id of the step after `step_id` in the list, or None at the end."""
        index = self.step_positions[step_id] + 1
        return self.steps[index].id if index < len(self.steps) else None


class Journey(DefinitionModel):
    """A journey definition: the public contract of JOURNEYS.md."""

    id: str = Field(pattern=JOURNEY_ID_PATTERN)
    name: str = Field(min_length=1)
    description: str | None = None
    type: Category = "marketing"
    trigger: Trigger
    reentry: Reentry = Field(default_factory=ReentryNever)
    exit_when: Condition | None = None
    goal: Goal | None = None
    quiet_hours: QuietHours | None = None
    milestones: list[Milestone] = Field(min_length=1)

    @cached_property
    def milestone_positions(self) -> dict[str, int]:
        """Milestone id → its index (the first one, if ids repeat)."""
        positions: dict[str, int] = {}
        for index, milestone in enumerate(self.milestones):
            positions.setdefault(milestone.id, index)
        return positions

    @cached_property
    def step_milestones(self) -> dict[str, int]:
        """Step id → index of the milestone holding it (the first one, if ids repeat)."""
        owners: dict[str, int] = {}
        for index, milestone in enumerate(self.milestones):
            for step in milestone.steps:
                owners.setdefault(step.id, index)
        return owners

    def milestone(self, milestone_id: str) -> Milestone:
        """The milestone with this id (KeyError when none)."""
        return self.milestones[self.milestone_positions[milestone_id]]

    def milestone_of(self, step_id: str) -> Milestone:
        """The milestone holding the step with this id (KeyError when none)."""
        return self.milestones[self.step_milestones[step_id]]

    def step(self, step_id: str) -> Step:
        """The step with this id, in whichever milestone (KeyError when none)."""
        return self.milestone_of(step_id).step(step_id)

    def steps(self) -> Iterator[tuple[Milestone, Step]]:
        """Every step with its milestone, in document order."""
        for milestone in self.milestones:
            for step in milestone.steps:
                yield milestone, step

    def send_templates(self) -> set[str]:
        """The templates the journey's send steps use."""
        return {step.send.template for _, step in self.steps() if isinstance(step, SendStep)}


class _DocumentLoader(yaml.SafeLoader):
    """YAML 1.2-style scalars: `21:00` and `2026-01-05` stay strings, `yes`/`on` stay words."""


_DocumentLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag
        not in (
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:timestamp",
        )
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_DocumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_DocumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_DocumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and text.endswith((".yaml", ".yml", ".json")) and Path(text).is_file()


def read_document(source: str | Path) -> Any:
    """The raw document of a journey: YAML or JSON text, or a path to a file of either."""
    if isinstance(source, str) and _looks_like_path(source):
        source = Path(source)
    if isinstance(source, Path):
        source = source.read_text(encoding="utf-8")
    if source.lstrip().startswith("{"):
        try:
            return json.loads(source)
        except json.JSONDecodeError:
            pass  # Flow-style YAML also starts with a brace.
    return yaml.load(source, Loader=_DocumentLoader)


def parse_journey(document: Any) -> Journey:
    """Build a journey from its document form (raises pydantic's ValidationError)."""
    return Journey.model_validate(document)


def load_journey(source: str | Path | Mapping[str, Any]) -> Journey:
    """Load a journey from YAML/JSON text, a file path or an already parsed mapping."""
    document = source if isinstance(source, Mapping) else read_document(source)
    return parse_journey(document)


def journey_document(journey: Journey) -> dict[str, Any]:
    """The journey in its document form: plain dicts, lists, strings and numbers."""
    return journey.model_dump(mode="json", by_alias=True, exclude_none=True)


def dump_journey(journey: Journey, fmt: Literal["yaml", "json"] = "yaml") -> str:
    """The journey as YAML or JSON text, in the shape JOURNEYS.md writes it."""
    document = journey_document(journey)
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
