"""A journey version compiled for the hot path: predicates, indices, no pydantic at decide time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from waymark.core.engine.policies import QuietHours
from waymark.core.engine.steps import CompiledStep, compile_step
from waymark.core.errors import DefinitionError
from waymark.core.journeys.conditions import (
    AllCondition,
    AnyCondition,
    AttrCondition,
    Condition,
    EventCondition,
    NotCondition,
    Predicate,
    compile_condition,
)
from waymark.core.journeys.model import (
    ApiTrigger,
    BranchStep,
    ConditionTrigger,
    EventTrigger,
    Journey,
    ReentryAfter,
    ScheduleSpec,
    ScheduleTrigger,
    WaitForStep,
)

__all__ = ["CompiledJourney", "CompiledMilestone", "compile_journey", "entry_reads"]

TriggerKind = Literal["event", "condition", "schedule", "api"]


@dataclass(frozen=True, slots=True)
class CompiledMilestone:
    """A milestone: its entry predicate (None holds always) and its compiled steps."""

    id: str
    entry: Predicate | None
    steps: tuple[CompiledStep, ...]


@dataclass(frozen=True, slots=True)
class CompiledJourney:
    """One published version of a journey, ready for decide()."""

    id: str
    version: int
    category: Literal["marketing", "transactional"]
    marketing: bool
    trigger: TriggerKind
    trigger_event: str | None
    trigger_where: Predicate | None
    """The event trigger's `where`, or the schedule's `audience`."""
    trigger_condition: Predicate | None
    schedule: ScheduleSpec | None
    reentry_mode: Literal["never", "always", "after"]
    cooldown: int
    """Seconds after the last entry before an `after` journey admits the customer again."""
    exit_when: Predicate | None
    goal: Predicate | None
    goal_within: int
    quiet_hours: QuietHours | None
    milestones: tuple[CompiledMilestone, ...]
    last_milestone: int
    entry_keys: frozenset[str]
    """Entry event properties the journey reads: the rest is not kept in state."""
    keeps_entry: bool
    """Whether instances keep their entry event at all (its name or some property is read)."""
    outcome_targets: frozenset[str]
    """Send steps an outcome wait refers to: their command ids are kept."""
    model: Journey


def _conditions(condition: Condition) -> Iterator[AttrCondition]:
    if isinstance(condition, AllCondition):
        for child in condition.all:
            yield from _conditions(child)
    elif isinstance(condition, AnyCondition):
        for child in condition.any:
            yield from _conditions(child)
    elif isinstance(condition, NotCondition):
        yield from _conditions(condition.not_)
    elif isinstance(condition, EventCondition):
        if condition.where is not None:
            yield from _conditions(condition.where)
    else:
        yield condition


def _journey_conditions(journey: Journey) -> Iterator[Condition]:
    for condition in (journey.exit_when, journey.goal.where if journey.goal else None):
        if condition is not None:
            yield condition
    for _, step in journey.steps():
        if isinstance(step, WaitForStep) and step.wait_for.where is not None:
            yield step.wait_for.where
        elif isinstance(step, BranchStep):
            yield from (case.when for case in step.branch.cases)
    for milestone in journey.milestones:
        if milestone.entry is not None:
            yield milestone.entry


def entry_reads(journey: Journey) -> tuple[bool, frozenset[str]]:
    """Whether the journey reads `entry.name`, and the top-level entry properties it reads."""
    paths: list[str] = []
    for condition in _journey_conditions(journey):
        paths.extend(attr.attr for attr in _conditions(condition))
    for _, step in journey.steps():
        if isinstance(step, WaitForStep) and step.wait_for.match:
            paths.extend(step.wait_for.match.values())
    prefix = "entry.properties."
    keys = frozenset(path[len(prefix) :].split(".")[0] for path in paths if path.startswith(prefix))
    return "entry.name" in paths, keys


def _milestone(journey: Journey, index: int) -> CompiledMilestone:
    milestone = journey.milestones[index]
    positions = milestone.step_positions
    try:
        steps = tuple(compile_step(step, i, positions) for i, step in enumerate(milestone.steps))
    except DefinitionError as error:
        raise DefinitionError(f"milestones[{index}] ({milestone.id}): {error}") from None
    entry = compile_condition(milestone.entry) if milestone.entry is not None else None
    return CompiledMilestone(milestone.id, entry, steps)


def compile_journey(journey: Journey, version: int) -> CompiledJourney:
    """Compile a (validated) journey as `version`."""
    trigger = journey.trigger
    where = condition = None
    event = None
    schedule = None
    match trigger:
        case EventTrigger():
            event = trigger.event
            where = compile_condition(trigger.where) if trigger.where is not None else None
        case ConditionTrigger():
            condition = compile_condition(trigger.condition)
        case ScheduleTrigger():
            schedule = trigger.schedule
            where = compile_condition(schedule.audience) if schedule.audience else None
        case ApiTrigger():
            pass
    goal = journey.goal
    goal_predicate = (
        compile_condition(EventCondition(event=goal.event, where=goal.where)) if goal else None
    )
    reentry = journey.reentry
    quiet = journey.quiet_hours
    reads_name, keys = entry_reads(journey)
    outcome_targets = frozenset(
        step.wait_for.of
        for _, step in journey.steps()
        if isinstance(step, WaitForStep) and step.wait_for.of is not None
    )
    return CompiledJourney(
        id=journey.id,
        version=version,
        category=journey.type,
        marketing=journey.type == "marketing",
        trigger=trigger.kind,
        trigger_event=event,
        trigger_where=where,
        trigger_condition=condition,
        schedule=schedule,
        reentry_mode=reentry.mode,
        cooldown=int(reentry.cooldown.total_seconds()) if isinstance(reentry, ReentryAfter) else 0,
        exit_when=compile_condition(journey.exit_when) if journey.exit_when is not None else None,
        goal=goal_predicate,
        goal_within=int(goal.within.total_seconds()) if goal else 0,
        quiet_hours=QuietHours(quiet.start, quiet.end) if quiet is not None else None,
        milestones=tuple(_milestone(journey, i) for i in range(len(journey.milestones))),
        last_milestone=len(journey.milestones) - 1,
        entry_keys=keys,
        keeps_entry=reads_name or bool(keys),
        outcome_targets=outcome_targets,
        model=journey,
    )
