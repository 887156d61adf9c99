"""Steps: each a mapping with an `id` and exactly one of send, wait, wait_for, branch, …."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, NamedTuple, TypeAlias, Union

from pydantic import Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from waymark.core.journeys.base import DefinitionModel, KeyedUnion
from waymark.core.journeys.conditions import Condition, path_problem
from waymark.core.journeys.durations import ClockTime, Duration

__all__ = [
    "EXIT",
    "OUTCOME_STATUSES",
    "BranchCase",
    "BranchSpec",
    "BranchStep",
    "Channel",
    "ExitSpec",
    "ExitStep",
    "Jump",
    "OutcomeStatus",
    "SendSpec",
    "SendStep",
    "SplitPath",
    "SplitSpec",
    "SplitStep",
    "Step",
    "StepKind",
    "UpdateSpec",
    "UpdateStep",
    "WaitForSpec",
    "WaitForStep",
    "WaitSpec",
    "WaitStep",
]

EXIT = "exit"
"""The jump target that leaves the journey."""

Channel = Literal["email", "sms", "push", "webhook"]
OutcomeStatus = Literal["delivered", "opened", "clicked", "bounced", "unsubscribed"]
OUTCOME_STATUSES: tuple[OutcomeStatus, ...] = (
    "delivered",
    "opened",
    "clicked",
    "bounced",
    "unsubscribed",
)
StepKind = Literal["send", "wait", "wait_for", "branch", "split", "update", "exit"]


class Jump(NamedTuple):
    """A named jump of a step: where it is written (relative to the step) and its target."""

    field: str
    target: str


class SendSpec(DefinitionModel):
    """`send`: emit a send command on `channel` with `template`."""

    channel: Channel
    template: str = Field(min_length=1)


class WaitSpec(DefinitionModel):
    """`wait`: pause for `duration`, or until the next `until` time in the customer's zone."""

    duration: Duration | None = None
    until: ClockTime | None = None

    @model_validator(mode="after")
    def _one_of(self) -> WaitSpec:
        if (self.duration is None) == (self.until is None):
            raise PydanticCustomError(
                "wait_shape", "a wait has exactly one of 'duration' or 'until'"
            )
        return self


class WaitForSpec(DefinitionModel):
    """`wait_for`: an event (with `where`) or an outcome `of` a send step, until `timeout`."""

    event: str | None = Field(default=None, min_length=1)
    where: Condition | None = None
    outcome: OutcomeStatus | None = None
    of: str | None = None
    match: dict[str, str] | None = None
    timeout: Duration
    on_event: str | None = None
    on_timeout: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> WaitForSpec:
        if (self.event is None) == (self.outcome is None):
            raise PydanticCustomError(
                "wait_for_shape", "a wait_for waits for exactly one of 'event' or 'outcome'"
            )
        if self.outcome is not None and self.of is None:
            raise PydanticCustomError(
                "wait_for_of", "an outcome wait needs 'of', the id of a send step"
            )
        if self.event is not None and self.of is not None:
            raise PydanticCustomError(
                "wait_for_of", "'of' belongs to outcome waits, not to event waits"
            )
        if self.outcome is not None and self.where is not None:
            raise PydanticCustomError(
                "wait_for_where", "'where' belongs to event waits, not to outcome waits"
            )
        for awaited, expected in (self.match or {}).items():
            if not awaited.startswith("event."):
                raise PydanticCustomError(
                    "wait_for_match",
                    "match key '{key}' must name a property of the awaited event (event.…)",
                    {"key": awaited},
                )
            problem = path_problem(awaited) or path_problem(expected)
            if problem is not None:
                raise PydanticCustomError("wait_for_match", problem)
        return self


class BranchCase(DefinitionModel):
    """One case of a branch: go to `goto` when `when` holds."""

    when: Condition
    goto: str = Field(min_length=1)


class BranchSpec(DefinitionModel):
    """`branch`: the first matching case wins; otherwise `else` (or the next step)."""

    cases: list[BranchCase] = Field(min_length=1)
    else_: str | None = Field(default=None, alias="else", min_length=1)


class SplitPath(DefinitionModel):
    """One path of a split: `weight` percent of customers go to `goto`."""

    weight: int = Field(ge=0)
    goto: str = Field(min_length=1)


class SplitSpec(DefinitionModel):
    """`split`: deterministic per customer; `control` percent exit at once as holdout."""

    paths: list[SplitPath] = Field(min_length=1)
    control: float | None = None


class UpdateSpec(DefinitionModel):
    """`update`: set profile attributes, keyed `profile.PATH`."""

    set: dict[str, Any] = Field(min_length=1)

    def assignments(self) -> list[tuple[tuple[str, ...], Any]]:
        """Each assignment as (profile key path without `profile.`, value)."""
        return [(tuple(key.split(".")[1:]), value) for key, value in self.set.items()]


class ExitSpec(DefinitionModel):
    """`exit: {}`: leave the journey."""


class _StepBase(DefinitionModel):
    id: str = Field(min_length=1, max_length=64)
    name: str | None = None

    def jumps(self) -> list[Jump]:
        """The step's named jumps, in document order."""
        return []

    def falls_through(self) -> bool:
        """Whether some way out of this step continues with the next step in the list."""
        return True


class SendStep(_StepBase):
    """A step with `send`."""

    kind: ClassVar[Literal["send"]] = "send"
    send: SendSpec


class WaitStep(_StepBase):
    """A step with `wait`."""

    kind: ClassVar[Literal["wait"]] = "wait"
    wait: WaitSpec


class WaitForStep(_StepBase):
    """A step with `wait_for`."""

    kind: ClassVar[Literal["wait_for"]] = "wait_for"
    wait_for: WaitForSpec

    def jumps(self) -> list[Jump]:
        """`on_event` and `on_timeout`, when written."""
        spec = self.wait_for
        written = (("wait_for.on_event", spec.on_event), ("wait_for.on_timeout", spec.on_timeout))
        return [Jump(field, target) for field, target in written if target is not None]

    def falls_through(self) -> bool:
        """An exit without a jump continues with the next step."""
        return self.wait_for.on_event is None or self.wait_for.on_timeout is None


class BranchStep(_StepBase):
    """A step with `branch`."""

    kind: ClassVar[Literal["branch"]] = "branch"
    branch: BranchSpec

    def jumps(self) -> list[Jump]:
        """Each case's `goto`, then `else`."""
        jumps = [
            Jump(f"branch.cases[{index}].goto", case.goto)
            for index, case in enumerate(self.branch.cases)
        ]
        if self.branch.else_ is not None:
            jumps.append(Jump("branch.else", self.branch.else_))
        return jumps

    def falls_through(self) -> bool:
        """Without `else`, no matching case continues with the next step."""
        return self.branch.else_ is None


class SplitStep(_StepBase):
    """A step with `split`."""

    kind: ClassVar[Literal["split"]] = "split"
    split: SplitSpec

    def jumps(self) -> list[Jump]:
        """Each path's `goto`."""
        return [
            Jump(f"split.paths[{index}].goto", path.goto)
            for index, path in enumerate(self.split.paths)
        ]

    def falls_through(self) -> bool:
        """Every path jumps; the control group exits."""
        return False


class UpdateStep(_StepBase):
    """A step with `update`."""

    kind: ClassVar[Literal["update"]] = "update"
    update: UpdateSpec


class ExitStep(_StepBase):
    """A step with `exit`."""

    kind: ClassVar[Literal["exit"]] = "exit"
    exit_: ExitSpec = Field(alias="exit")

    def falls_through(self) -> bool:
        """An exit step ends the journey."""
        return False


STEP_UNION = KeyedUnion(
    "a step",
    {
        "send": SendStep,
        "wait": WaitStep,
        "wait_for": WaitForStep,
        "branch": BranchStep,
        "split": SplitStep,
        "update": UpdateStep,
        "exit": ExitStep,
    },
)

Step: TypeAlias = Annotated[
    Union[  # noqa: UP007 (tagged members need the Union form)
        Annotated[SendStep, Tag("SendStep")],
        Annotated[WaitStep, Tag("WaitStep")],
        Annotated[WaitForStep, Tag("WaitForStep")],
        Annotated[BranchStep, Tag("BranchStep")],
        Annotated[SplitStep, Tag("SplitStep")],
        Annotated[UpdateStep, Tag("UpdateStep")],
        Annotated[ExitStep, Tag("ExitStep")],
    ],
    STEP_UNION.discriminator,
    STEP_UNION.validator,
]
"""A step, parsed by which of its kind keys it has."""
