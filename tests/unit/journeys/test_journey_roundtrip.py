"""A journey loads from YAML or JSON and dumps back to the same document shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from waymark.core.journeys.model import (
    ApiTrigger,
    BranchStep,
    ConditionTrigger,
    EventTrigger,
    ExitStep,
    Journey,
    ReentryAfter,
    ReentryAlways,
    ReentryNever,
    ScheduleTrigger,
    SendStep,
    SplitStep,
    UpdateStep,
    WaitForStep,
    WaitStep,
    dump_journey,
    journey_document,
    load_journey,
)

JourneyFactory = Callable[..., dict[str, Any]]

STEP_FORMS: list[tuple[dict[str, Any], type[Any], str]] = [
    ({"id": "s", "send": {"channel": "webhook", "template": "t"}}, SendStep, "send"),
    ({"id": "s", "name": "Pause", "wait": {"duration": "PT1H30M"}}, WaitStep, "wait"),
    ({"id": "s", "wait": {"until": "09:30"}}, WaitStep, "wait"),
    (
        {
            "id": "s",
            "wait_for": {
                "event": "cart_updated",
                "where": {"attr": "event.properties.total", "gt": 10},
                "match": {"event.properties.cart_id": "entry.properties.cart_id"},
                "timeout": "P1D",
                "on_event": "exit",
                "on_timeout": "s",
            },
        },
        WaitForStep,
        "wait_for",
    ),
    (
        {"id": "s", "wait_for": {"outcome": "clicked", "of": "mail", "timeout": "PT2S"}},
        WaitForStep,
        "wait_for",
    ),
    (
        {
            "id": "s",
            "branch": {
                "cases": [{"when": {"not": {"attr": "profile.vip", "in": [True]}}, "goto": "a"}],
                "else": "exit",
            },
        },
        BranchStep,
        "branch",
    ),
    (
        {"id": "s", "split": {"paths": [{"weight": 70, "goto": "a"}, {"weight": 30, "goto": "b"}]}},
        SplitStep,
        "split",
    ),
    (
        {"id": "s", "split": {"paths": [{"weight": 100, "goto": "a"}], "control": 12.5}},
        SplitStep,
        "split",
    ),
    (
        {"id": "s", "update": {"set": {"profile.tier": "gold", "profile.a.b": 3}}},
        UpdateStep,
        "update",
    ),
    ({"id": "s", "exit": {}}, ExitStep, "exit"),
]

TRIGGER_FORMS: list[tuple[dict[str, Any], type[Any], str]] = [
    ({"event": "signed_up"}, EventTrigger, "event"),
    (
        {"event": "signed_up", "where": {"attr": "event.name", "eq": "signed_up"}},
        EventTrigger,
        "event",
    ),
    (
        {
            "condition": {
                "any": [
                    {"attr": "profile.score", "gte": 50},
                    {"attr": "profile.x", "exists": False},
                ]
            }
        },
        ConditionTrigger,
        "condition",
    ),
    ({"schedule": {"cron": "0 9 * * MON"}}, ScheduleTrigger, "schedule"),
    (
        {
            "schedule": {
                "cron": "0 9 * * MON",
                "timezone": "Europe/Berlin",
                "audience": {"attr": "profile.country", "eq": "DE"},
            }
        },
        ScheduleTrigger,
        "schedule",
    ),
    ({"api": True}, ApiTrigger, "api"),
]

REENTRY_FORMS: list[tuple[dict[str, Any], type[Any]]] = [
    ({"mode": "never"}, ReentryNever),
    ({"mode": "always"}, ReentryAlways),
    ({"mode": "after", "cooldown": "P30D"}, ReentryAfter),
]


def _round_trips(document: dict[str, Any]) -> Journey:
    journey = load_journey(document)
    assert journey_document(journey) == document
    for fmt in ("yaml", "json"):
        text = dump_journey(journey, fmt)
        again = load_journey(text)
        assert again == journey
        assert journey_document(again) == document
    return journey


def test_onboarding_example_round_trips_through_yaml(onboarding_yaml: str) -> None:
    journey = load_journey(onboarding_yaml)
    document = yaml.safe_load(onboarding_yaml)
    assert journey_document(journey) == document
    assert yaml.safe_load(dump_journey(journey)) == document
    assert load_journey(dump_journey(journey)) == journey


def test_onboarding_example_round_trips_through_json(onboarding_doc: dict[str, Any]) -> None:
    journey = load_journey(onboarding_doc)
    text = dump_journey(journey, "json")
    assert json.loads(text) == onboarding_doc
    assert load_journey(text) == journey


def test_onboarding_example_is_parsed_into_typed_parts(onboarding_yaml: str) -> None:
    journey = load_journey(onboarding_yaml)
    steps = journey.milestones[0].steps
    assert [step.kind for step in steps] == ["send", "wait_for", "branch", "send", "send"]
    assert isinstance(journey.trigger, EventTrigger)
    assert isinstance(journey.reentry, ReentryNever)
    assert journey.goal is not None
    assert journey.goal.within.days == 14
    assert journey.quiet_hours is not None
    assert journey.quiet_hours.start.hour == 21
    assert journey.quiet_hours.end.hour == 8


@pytest.mark.parametrize(("step", "cls", "kind"), STEP_FORMS)
def test_every_step_form_round_trips(
    make_journey: JourneyFactory, step: dict[str, Any], cls: type[Any], kind: str
) -> None:
    targets = [{"id": "mail", "send": {"channel": "email", "template": "m"}}]
    targets += [{"id": "a", "exit": {}}, {"id": "b", "exit": {}}]
    journey = _round_trips(make_journey([*targets, step]))
    parsed = journey.milestones[0].steps[-1]
    assert isinstance(parsed, cls)
    assert parsed.kind == kind


@pytest.mark.parametrize(("trigger", "cls", "kind"), TRIGGER_FORMS)
def test_every_trigger_form_round_trips(
    make_journey: JourneyFactory, trigger: dict[str, Any], cls: type[Any], kind: str
) -> None:
    journey = _round_trips(make_journey([{"id": "e", "exit": {}}], trigger=trigger))
    assert isinstance(journey.trigger, cls)
    assert journey.trigger.kind == kind


@pytest.mark.parametrize(("reentry", "cls"), REENTRY_FORMS)
def test_every_reentry_form_round_trips(
    make_journey: JourneyFactory, reentry: dict[str, Any], cls: type[Any]
) -> None:
    journey = _round_trips(make_journey([{"id": "e", "exit": {}}], reentry=reentry))
    assert isinstance(journey.reentry, cls)


def test_reentry_cooldown_is_a_timedelta(make_journey: JourneyFactory) -> None:
    journey = load_journey(make_journey([], reentry={"mode": "after", "cooldown": "P30D"}))
    assert isinstance(journey.reentry, ReentryAfter)
    assert journey.reentry.cooldown.days == 30


def test_reentry_accepts_a_bare_mode(make_journey: JourneyFactory) -> None:
    journey = load_journey(make_journey([], reentry="always"))
    assert isinstance(journey.reentry, ReentryAlways)
    assert journey_document(journey)["reentry"] == {"mode": "always"}


def test_reentry_left_out_is_dumped_as_never(make_journey: JourneyFactory) -> None:
    document = make_journey([{"id": "e", "exit": {}}])
    del document["reentry"]
    journey = load_journey(document)
    assert isinstance(journey.reentry, ReentryNever)
    assert journey_document(journey)["reentry"] == {"mode": "never"}


def test_optional_parts_left_out_are_left_out_of_the_dump(make_journey: JourneyFactory) -> None:
    document = make_journey([{"id": "e", "exit": {}}])
    dumped = journey_document(load_journey(document))
    assert "description" not in dumped
    assert "goal" not in dumped
    assert "where" not in dumped["trigger"]
    assert "name" not in dumped["milestones"][0]["steps"][0]


def test_times_and_dates_stay_strings_when_unquoted() -> None:
    text = """
id: quiet-journey
name: Quiet
trigger: {event: yes}
quiet_hours: {start: 21:00, end: 07:30}
milestones:
  - id: m
    entry: {attr: profile.signup, gt: 2026-01-05}
    steps:
      - {id: w, wait: {until: 10:15}}
"""
    journey = load_journey(text)
    assert journey.quiet_hours is not None
    assert journey.quiet_hours.start.hour == 21
    assert isinstance(journey.trigger, EventTrigger)
    assert journey.trigger.event == "yes"
    document = journey_document(journey)
    assert document["milestones"][0]["entry"] == {"attr": "profile.signup", "gt": "2026-01-05"}
    assert document["milestones"][0]["steps"][0] == {"id": "w", "wait": {"until": "10:15"}}


def test_loads_from_a_path(tmp_path: Path, onboarding_yaml: str) -> None:
    path = tmp_path / "onboarding.yaml"
    path.write_text(onboarding_yaml, encoding="utf-8")
    assert load_journey(path) == load_journey(onboarding_yaml)
    assert load_journey(str(path)) == load_journey(onboarding_yaml)


def test_json_schema_describes_the_document_shape() -> None:
    schema = Journey.model_json_schema(by_alias=True)
    attr = schema["$defs"]["AttrCondition"]
    assert "op" not in attr["properties"]
    assert attr["properties"]["in"] == {"type": "array"}
    assert "else" in schema["$defs"]["BranchSpec"]["properties"]
