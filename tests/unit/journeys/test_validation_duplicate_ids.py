"""Step ids are unique in the journey, milestone ids too, and `exit` is reserved."""

from __future__ import annotations

from typing import Any

from waymark.core.journeys.model import load_journey
from waymark.core.journeys.validation import validate_journey


def problems(document: dict[str, Any]) -> dict[str, str]:
    return {p.path: p.message for p in validate_journey(load_journey(document))}


def test_duplicate_step_id_in_another_milestone(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["milestones"][1]["steps"][0]["id"] = "welcome"
    found = problems(onboarding_doc)
    assert found == {
        "milestones[1].steps[0].id": ("step id 'welcome' is already used by milestones[0].steps[0]")
    }


def test_duplicate_step_id_in_the_same_milestone(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["milestones"][0]["steps"][4]["id"] = "sms-nudge"
    onboarding_doc["milestones"][0]["steps"][2]["branch"]["else"] = "sms-nudge"
    found = problems(onboarding_doc)
    assert found == {
        "milestones[0].steps[4].id": (
            "step id 'sms-nudge' is already used by milestones[0].steps[3]"
        )
    }


def test_duplicate_milestone_id(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["milestones"][1]["id"] = "registered"
    found = problems(onboarding_doc)
    assert found["milestones[1].id"] == "milestone id 'registered' is already used by milestones[0]"


def test_exit_is_not_a_step_id(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["milestones"][1]["steps"][0]["id"] = "exit"
    found = problems(onboarding_doc)
    assert "'exit' is reserved" in found["milestones[1].steps[0].id"]
