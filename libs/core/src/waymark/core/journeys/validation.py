"""Validation: every problem of a journey, each with its path and a one-sentence reason."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from waymark.core.errors import DefinitionError, Problem
from waymark.core.journeys.base import UNION_TAGS
from waymark.core.journeys.conditions import path_problem
from waymark.core.journeys.flow import flow_problems
from waymark.core.journeys.model import (
    Category,
    Journey,
    Milestone,
    SendStep,
    SplitStep,
    UpdateStep,
    WaitForStep,
    parse_journey,
    read_document,
)

__all__ = [
    "DefinitionError",
    "Problem",
    "check_journey",
    "format_path",
    "load_and_validate",
    "problems_from_error",
    "validate_journey",
]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_path(loc: Sequence[int | str]) -> str:
    """A location as a path: `milestones[0].steps[2].send.channel`, `update.set['x.y']`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in UNION_TAGS:
            continue
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


def _sentence(error: ErrorDetails) -> str:
    kind, loc, value = error["type"], error["loc"], error.get("input")
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "missing":
        return f"'{field}' is required"
    if kind == "extra_forbidden":
        return f"'{field}' is not a known field here"
    if kind == "literal_error":
        return f"{value!r} is not one of {ctx.get('expected')}"
    if kind == "union_tag_invalid":
        return f"{ctx.get('tag')!r} is not one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"'{ctx.get('discriminator', '').strip(chr(39))}' is required"
    if kind == "string_pattern_mismatch" and loc == ("id",):
        return f"journey id {value!r} must be 3 to 64 lowercase letters, digits or dashes"
    if kind in ("model_type", "dict_type", "model_attributes_type") and not loc:
        return f"a journey is a mapping of fields, not {value!r}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping, not {value!r}"
    if kind == "list_type":
        return f"expected a list, not {value!r}"
    if kind == "too_short" and isinstance(value, list | dict | str):
        unit = "character" if isinstance(value, str) else "item"
        return f"needs at least {ctx.get('min_length', 1)} {unit}, found none"
    message = error["msg"]
    if kind.startswith(("condition_", "keyed_union", "wait", "duration", "clock_time")) or kind in (
        "cron",
        "timezone",
        "quiet_hours",
    ):
        return message
    return f"{message[:1].lower()}{message[1:]}, not {value!r}"


def problems_from_error(error: ValidationError) -> list[Problem]:
    """Pydantic's errors as problems with document paths and plain sentences."""
    problems: list[Problem] = []
    for details in error.errors(include_url=False):
        problem = Problem(format_path(details["loc"]), _sentence(details))
        if problem not in problems:
            problems.append(problem)
    return problems


def _duplicate_ids(journey: Journey) -> list[Problem]:
    problems: list[Problem] = []
    milestones: dict[str, int] = {}
    steps: dict[str, str] = {}
    for m_index, milestone in enumerate(journey.milestones):
        first = milestones.setdefault(milestone.id, m_index)
        if first != m_index:
            problems.append(
                Problem(
                    f"milestones[{m_index}].id",
                    f"milestone id '{milestone.id}' is already used by milestones[{first}]",
                )
            )
        for s_index, step in enumerate(milestone.steps):
            here = f"milestones[{m_index}].steps[{s_index}]"
            if step.id == "exit":
                problems.append(
                    Problem(f"{here}.id", "step id 'exit' is reserved for leaving the journey")
                )
            previous = steps.setdefault(step.id, here)
            if previous != here:
                problems.append(
                    Problem(f"{here}.id", f"step id '{step.id}' is already used by {previous}")
                )
    return problems


def _step_problems(
    journey: Journey,
    m_index: int,
    milestone: Milestone,
    templates: Mapping[str, Category] | None,
) -> list[Problem]:
    problems: list[Problem] = []
    for s_index, step in enumerate(milestone.steps):
        here = f"milestones[{m_index}].steps[{s_index}]"
        if isinstance(step, SplitStep):
            total = sum(path.weight for path in step.split.paths)
            if total != 100:
                problems.append(
                    Problem(f"{here}.split.paths", f"split weights add up to {total}, not 100")
                )
            control = step.split.control
            if control is not None and not 0 <= control < 100:
                problems.append(
                    Problem(
                        f"{here}.split.control",
                        f"control is {control:g} percent; it must be from 0 up to (not incl.) 100",
                    )
                )
        elif isinstance(step, WaitForStep) and step.wait_for.of is not None:
            target = step.wait_for.of
            if target not in journey.step_milestones:
                problems.append(
                    Problem(f"{here}.wait_for.of", f"no send step '{target}' in this journey")
                )
            elif not isinstance(journey.step(target), SendStep):
                problems.append(
                    Problem(
                        f"{here}.wait_for.of",
                        f"step '{target}' is a {journey.step(target).kind} step, not a send step",
                    )
                )
        elif isinstance(step, UpdateStep):
            for key in step.update.set:
                reason = (
                    f"'{key}' does not start with 'profile.'"
                    if not key.startswith("profile.")
                    else path_problem(key)
                )
                if reason is not None:
                    path = f"{here}.{format_path(['update', 'set', key])}"
                    problems.append(Problem(path, reason))
        elif isinstance(step, SendStep) and templates is not None:
            problems.extend(_template_problems(journey, f"{here}.send.template", step, templates))
    return problems


def _template_problems(
    journey: Journey, path: str, step: SendStep, templates: Mapping[str, Category]
) -> list[Problem]:
    template = step.send.template
    category = templates.get(template)
    if category is None:
        return [Problem(path, f"no template '{template}' is known")]
    if journey.type == "transactional" and category == "marketing":
        return [
            Problem(
                path,
                f"template '{template}' is a marketing template, "
                "and a transactional journey sends only transactional ones",
            )
        ]
    return []


def validate_journey(
    journey: Journey, templates: Mapping[str, Category] | None = None
) -> list[Problem]:
    """Every problem of a parsed journey (empty when it is valid); `templates`: id → category."""
    problems = _duplicate_ids(journey)
    for m_index, milestone in enumerate(journey.milestones):
        problems.extend(flow_problems(journey, m_index, milestone))
        problems.extend(_step_problems(journey, m_index, milestone, templates))
    return sorted(problems, key=_document_order)


def _document_order(problem: Problem) -> list[tuple[int, int | str]]:
    return [
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"[\[\].]+", problem.path)
        if part
    ]


def _syntax_problem(error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return Problem("", f"the document is not valid YAML or JSON: {reason}{where}")


def check_journey(
    source: str | Path | Mapping[str, Any], templates: Mapping[str, Category] | None = None
) -> tuple[Journey | None, list[Problem]]:
    """Parse and validate; the journey (None when it does not parse) and every problem."""
    try:
        document = source if isinstance(source, Mapping) else read_document(source)
    except yaml.YAMLError as error:
        return None, [_syntax_problem(error)]
    try:
        journey = parse_journey(document)
    except ValidationError as error:
        return None, problems_from_error(error)
    return journey, validate_journey(journey, templates)


def load_and_validate(
    source: str | Path | Mapping[str, Any], templates: Mapping[str, Category] | None = None
) -> Journey:
    """The journey, valid; otherwise DefinitionError listing every problem."""
    journey, problems = check_journey(source, templates)
    if journey is None or problems:
        raise DefinitionError(problems)
    return journey
