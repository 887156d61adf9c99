"""Malformed documents are reported field by field, each with its path and a sentence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from waymark.core.errors import DefinitionError, Problem
from waymark.core.journeys.validation import check_journey, load_and_validate

JourneyFactory = Callable[..., dict[str, Any]]


def problems(source: Any) -> dict[str, str]:
    journey, found = check_journey(source)
    assert journey is None
    return {problem.path: problem.message for problem in found}


def test_bad_yaml_names_the_line() -> None:
    found = problems("id: [unclosed\nname: x\n")
    assert list(found) == [""]
    assert "not valid YAML or JSON" in found[""]
    assert "line 2" in found[""]


def test_a_document_that_is_not_a_mapping() -> None:
    assert problems("- 1\n") == {"": "a journey is a mapping of fields, not [1]"}


def test_missing_and_unknown_fields(onboarding_doc: dict[str, Any]) -> None:
    del onboarding_doc["name"]
    del onboarding_doc["milestones"][0]["steps"][0]["send"]["template"]
    onboarding_doc["milestones"][0]["steps"][1]["wait_for"]["timout"] = "P1D"
    found = problems(onboarding_doc)
    assert found["name"] == "'name' is required"
    assert found["milestones[0].steps[0].send.template"] == "'template' is required"
    assert found["milestones[0].steps[1].wait_for.timout"] == "'timout' is not a known field here"


def test_wait_for_without_timeout(onboarding_doc: dict[str, Any]) -> None:
    del onboarding_doc["milestones"][0]["steps"][1]["wait_for"]["timeout"]
    found = problems(onboarding_doc)
    assert found == {"milestones[0].steps[1].wait_for.timeout": "'timeout' is required"}


def test_goal_without_within(onboarding_doc: dict[str, Any]) -> None:
    del onboarding_doc["goal"]["within"]
    assert problems(onboarding_doc) == {"goal.within": "'within' is required"}


def test_bad_enums_list_the_choices(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["type"] = "bulk"
    onboarding_doc["milestones"][0]["steps"][0]["send"]["channel"] = "fax"
    onboarding_doc["reentry"] = {"mode": "sometimes"}
    found = problems(onboarding_doc)
    assert found["type"] == "'bulk' is not one of 'marketing' or 'transactional'"
    assert found["milestones[0].steps[0].send.channel"] == (
        "'fax' is not one of 'email', 'sms', 'push' or 'webhook'"
    )
    assert "'sometimes' is not one of" in found["reentry"]


def test_bad_outcome_status(make_journey: JourneyFactory) -> None:
    step = {"id": "o", "wait_for": {"outcome": "read", "of": "x", "timeout": "P1D"}}
    found = problems(make_journey([step]))
    assert "'read' is not one of 'delivered'" in found["milestones[0].steps[0].wait_for.outcome"]


def test_bad_journey_id(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["id"] = "New Journey"
    assert "journey id 'New Journey' must be 3 to 64" in problems(onboarding_doc)["id"]


def test_bad_durations(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["goal"]["within"] = "14 days"
    onboarding_doc["milestones"][0]["steps"][1]["wait_for"]["timeout"] = "P1M"
    found = problems(onboarding_doc)
    assert "'14 days' is not an ISO-8601 duration" in found["goal.within"]
    assert "'P1M' uses years or months" in found["milestones[0].steps[1].wait_for.timeout"]


def test_bad_until_time(make_journey: JourneyFactory) -> None:
    found = problems(make_journey([{"id": "w", "wait": {"until": "25:00"}}]))
    assert found == {
        "milestones[0].steps[0].wait.until": "'25:00' is not a 24-hour time written HH:MM"
    }


def test_wait_with_both_or_neither(make_journey: JourneyFactory) -> None:
    both = {"id": "w", "wait": {"until": "10:00", "duration": "P1D"}}
    neither = {"id": "v", "wait": {}}
    found = problems(make_journey([both, neither]))
    assert "exactly one of 'duration' or 'until'" in found["milestones[0].steps[0].wait"]
    assert "exactly one of 'duration' or 'until'" in found["milestones[0].steps[1].wait"]


def test_bad_cron_and_unknown_time_zone(make_journey: JourneyFactory) -> None:
    trigger = {"schedule": {"cron": "0 25 * * *", "timezone": "Mars/Olympus"}}
    found = problems(make_journey([], trigger=trigger))
    assert found["trigger.schedule.cron"] == "'0 25 * * *' is not a valid cron expression"
    assert found["trigger.schedule.timezone"] == "'Mars/Olympus' is not a known time zone"


def test_bad_quiet_hours(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["quiet_hours"] = {"start": "9pm", "end": "08:00"}
    assert "'9pm' is not a 24-hour time" in problems(onboarding_doc)["quiet_hours.start"]
    onboarding_doc["quiet_hours"] = {"start": "08:00", "end": "08:00"}
    assert "same time (08:00)" in problems(onboarding_doc)["quiet_hours"]


def test_step_with_no_kind_or_two_kinds(make_journey: JourneyFactory) -> None:
    none = {"id": "a", "name": "nothing"}
    two = {"id": "b", "wait": {"duration": "P1D"}, "exit": {}}
    found = problems(make_journey([none, two]))
    assert "a step needs one of 'send', 'wait'" in found["milestones[0].steps[0]"]
    assert "'wait' and 'exit'" in found["milestones[0].steps[1]"]


def test_trigger_with_two_keys(make_journey: JourneyFactory) -> None:
    found = problems(make_journey([], trigger={"event": "a", "api": True}))
    assert "a trigger has exactly one of" in found["trigger"]
    assert "'event' and 'api'" in found["trigger"]


def test_bad_conditions_point_into_the_condition(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["milestones"][0]["entry"] = {"attr": "profile.email"}
    onboarding_doc["milestones"][1]["entry"] = {"attr": "profile.x", "gte": 1, "lt": 3}
    onboarding_doc["exit_when"] = {"any": [{"attr": "profile.x", "in": "gold"}]}
    found = problems(onboarding_doc)
    assert "found none" in found["milestones[0].entry"]
    assert "found gte and lt" in found["milestones[1].entry"]
    assert "'in' takes a list" in found["exit_when.any[0]"]


def test_every_problem_is_reported_not_only_the_first(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["type"] = "bulk"
    onboarding_doc["goal"]["within"] = "soon"
    onboarding_doc["milestones"][1]["steps"][0]["send"]["channel"] = "fax"
    assert len(problems(onboarding_doc)) == 3


def test_load_and_validate_raises_with_every_problem(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["type"] = "bulk"
    del onboarding_doc["name"]
    with pytest.raises(DefinitionError) as caught:
        load_and_validate(onboarding_doc)
    assert {problem.path for problem in caught.value.problems} == {"type", "name"}
    assert "name: 'name' is required" in str(caught.value)


def test_load_and_validate_returns_a_valid_journey(onboarding_yaml: str) -> None:
    journey = load_and_validate(onboarding_yaml)
    assert journey.id == "new-customer-onboarding"


def test_problem_reads_as_path_and_sentence() -> None:
    problem = Problem("milestones[0].steps[2].goto", "no step 'nudge2' in milestone 'registered'")
    assert str(problem) == "milestones[0].steps[2].goto: no step 'nudge2' in milestone 'registered'"
    assert str(Problem("", "the document is empty")) == "the document is empty"


def test_definition_error_from_a_sentence() -> None:
    error = DefinitionError("journey 'x' is archived")
    assert error.problems == (Problem("", "journey 'x' is archived"),)
    assert str(error) == "journey 'x' is archived"
