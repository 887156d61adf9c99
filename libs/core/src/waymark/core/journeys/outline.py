"""A readable outline of a journey, for `waymark explain`."""

from __future__ import annotations

import json
from typing import Any

from waymark.core.journeys.conditions import (
    AllCondition,
    AnyCondition,
    Condition,
    EventCondition,
    NotCondition,
)
from waymark.core.journeys.model import (
    ApiTrigger,
    BranchStep,
    ConditionTrigger,
    EventTrigger,
    ExitStep,
    Journey,
    ReentryAfter,
    ScheduleTrigger,
    SendStep,
    SplitStep,
    Step,
    Trigger,
    UpdateStep,
    WaitForStep,
    WaitStep,
)

__all__ = ["outline", "render_condition", "render_step", "render_trigger"]

_SYMBOLS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_WORDS = {"in": "in", "not_in": "not in", "contains": "contains", "starts_with": "starts with"}


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_condition(condition: Condition) -> str:
    """The condition as a line of text, e.g. `profile.email exists`."""
    if isinstance(condition, AllCondition | AnyCondition):
        is_all = isinstance(condition, AllCondition)
        children = condition.all if isinstance(condition, AllCondition) else condition.any
        if not children:
            return "always" if is_all else "never"
        parts = [render_condition(child) for child in children]
        if len(parts) == 1:
            return parts[0]
        return "(" + (" and " if is_all else " or ").join(parts) + ")"
    if isinstance(condition, NotCondition):
        return f"not {render_condition(condition.not_)}"
    if isinstance(condition, EventCondition):
        return _event_text(condition.event, condition.where)
    if condition.op == "exists":
        return f"{condition.attr} {'exists' if condition.value else 'does not exist'}"
    word = _SYMBOLS.get(condition.op) or _WORDS[condition.op]
    return f"{condition.attr} {word} {_literal(condition.value)}"


def _event_text(name: str, where: Condition | None) -> str:
    text = f"event {name}"
    return text if where is None else f"{text} where {render_condition(where)}"


def render_trigger(trigger: Trigger) -> str:
    """The trigger as a line of text."""
    if isinstance(trigger, EventTrigger):
        return f"on {_event_text(trigger.event, trigger.where)}"
    if isinstance(trigger, ConditionTrigger):
        return f"when {render_condition(trigger.condition)} becomes true"
    if isinstance(trigger, ScheduleTrigger):
        schedule = trigger.schedule
        text = f"on schedule '{schedule.cron}' ({schedule.timezone or 'UTC'})"
        if schedule.audience is not None:
            text += f" for customers where {render_condition(schedule.audience)}"
        return text
    if isinstance(trigger, ApiTrigger):
        return "through the trigger API"
    raise TypeError(f"unknown trigger {trigger!r}")


def render_step(step: Step) -> str:
    """What the step does and where it jumps, as a line of text (without its id)."""
    if isinstance(step, SendStep):
        return f"send {step.send.channel} '{step.send.template}'"
    if isinstance(step, WaitStep):
        if step.wait.duration is not None:
            return f"wait {step.wait.duration}"
        until = step.wait.until
        return f"wait until {until.strftime('%H:%M') if until else '?'} (customer's time)"
    if isinstance(step, WaitForStep):
        spec = step.wait_for
        awaited = (
            _event_text(spec.event, spec.where)
            if spec.event is not None
            else f"outcome {spec.outcome} of '{spec.of}'"
        )
        text = f"wait for {awaited}"
        if spec.match:
            text += " matching " + ", ".join(f"{k} = {v}" for k, v in spec.match.items())
        text += f", at most {spec.timeout}"
        text += f"; on event → {spec.on_event or 'next'}"
        return text + f"; on timeout → {spec.on_timeout or 'next'}"
    if isinstance(step, BranchStep):
        cases = [f"if {render_condition(case.when)} → {case.goto}" for case in step.branch.cases]
        return "branch: " + "; ".join([*cases, f"else → {step.branch.else_ or 'next'}"])
    if isinstance(step, SplitStep):
        paths = [f"{path.weight}% → {path.goto}" for path in step.split.paths]
        if step.split.control:
            paths.insert(0, f"{step.split.control:g}% control (exit)")
        return "split: " + ", ".join(paths)
    if isinstance(step, UpdateStep):
        sets = [f"{key} = {_literal(value)}" for key, value in step.update.set.items()]
        return "update " + ", ".join(sets)
    if isinstance(step, ExitStep):
        return "exit the journey"
    raise TypeError(f"unknown step {step!r}")


def outline(journey: Journey) -> str:
    """The journey as indented text: trigger, policies, milestones and their steps."""
    lines = [f"{journey.id} — {journey.name} ({journey.type})"]
    if journey.description:
        lines.append(f"  {journey.description}")
    lines.append(f"  trigger: {render_trigger(journey.trigger)}")
    reentry = journey.reentry
    lines.append(
        f"  reentry: after {reentry.cooldown}"
        if isinstance(reentry, ReentryAfter)
        else f"  reentry: {reentry.mode}"
    )
    if journey.exit_when is not None:
        lines.append(f"  exit when: {render_condition(journey.exit_when)}")
    if journey.goal is not None:
        goal = journey.goal
        lines.append(f"  goal: {_event_text(goal.event, goal.where)} within {goal.within}")
    if journey.quiet_hours is not None:
        quiet = journey.quiet_hours
        lines.append(
            f"  quiet hours: {quiet.start.strftime('%H:%M')}–{quiet.end.strftime('%H:%M')}"
        )
    for number, milestone in enumerate(journey.milestones, start=1):
        title = f" — {milestone.name}" if milestone.name else ""
        lines.append(f"  milestone {number}: {milestone.id}{title}")
        entry = "always" if milestone.entry is None else render_condition(milestone.entry)
        lines.append(f"    entry: {entry}")
        width = max((len(step.id) for step in milestone.steps), default=0)
        for step in milestone.steps:
            lines.append(f"    {step.id.ljust(width)}  {render_step(step)}")
        if not milestone.steps:
            lines.append("    (no steps)")
    return "\n".join(lines) + "\n"
