"""goto, else, on_event and on_timeout must name a step of the same milestone, or exit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from waymark.core.journeys.model import load_journey
from waymark.core.journeys.validation import validate_journey

JourneyFactory = Callable[..., dict[str, Any]]


def problems(document: dict[str, Any]) -> dict[str, str]:
    return {p.path: p.message for p in validate_journey(load_journey(document))}


def test_the_onboarding_example_is_valid(onboarding_yaml: str) -> None:
    assert validate_journey(load_journey(onboarding_yaml)) == []


def test_unknown_branch_goto(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["milestones"][0]["steps"][2]["branch"]["cases"][0]["goto"] = "nudge2"
    found = problems(onboarding_doc)
    assert found["milestones[0].steps[2].branch.cases[0].goto"] == (
        "no step 'nudge2' in milestone 'registered'"
    )


def test_unknown_else(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["milestones"][0]["steps"][2]["branch"]["else"] = "push"
    found = problems(onboarding_doc)
    assert found["milestones[0].steps[2].branch.else"] == "no step 'push' in milestone 'registered'"


def test_unknown_wait_for_exits(onboarding_doc: dict[str, Any]) -> None:
    wait_for = onboarding_doc["milestones"][0]["steps"][1]["wait_for"]
    wait_for["on_event"] = "done"
    wait_for["on_timeout"] = "later"
    found = problems(onboarding_doc)
    assert found["milestones[0].steps[1].wait_for.on_event"] == (
        "no step 'done' in milestone 'registered'"
    )
    assert found["milestones[0].steps[1].wait_for.on_timeout"] == (
        "no step 'later' in milestone 'registered'"
    )


def test_unknown_split_goto(make_journey: JourneyFactory) -> None:
    split = {"id": "s", "split": {"paths": [{"weight": 100, "goto": "nowhere"}]}}
    found = problems(make_journey([split]))
    assert found["milestones[0].steps[0].split.paths[0].goto"] == (
        "no step 'nowhere' in milestone 'main'"
    )


def test_a_step_of_another_milestone_is_not_a_target(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["milestones"][0]["steps"][2]["branch"]["else"] = "thanks"
    found = problems(onboarding_doc)
    message = found["milestones[0].steps[2].branch.else"]
    assert "step 'thanks' is in milestone 'first-purchase'" in message
    assert "inside milestone 'registered'" in message


def test_exit_is_always_a_target(make_journey: JourneyFactory) -> None:
    branch = {
        "id": "b",
        "branch": {"cases": [{"when": {"attr": "profile.a", "exists": True}, "goto": "exit"}]},
    }
    split = {"id": "s", "split": {"paths": [{"weight": 100, "goto": "exit"}]}}
    assert problems(make_journey([branch, split])) == {}
