"""A journey finds its milestones and steps by id, and is immutable and strict."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from waymark.core.journeys.model import EXIT, BranchStep, WaitForStep, load_journey


def test_steps_and_milestones_by_id(onboarding_yaml: str) -> None:
    journey = load_journey(onboarding_yaml)
    assert journey.milestone("first-purchase").name == "First Purchase"
    assert journey.milestone_of("thanks").id == "first-purchase"
    assert journey.step("nudge").kind == "branch"
    registered = journey.milestones[0]
    assert registered.next_step_id("welcome") == "wait-for-first-order"
    assert registered.next_step_id("push-nudge") is None
    assert journey.send_templates() == {
        "welcome-email",
        "first-order-sms",
        "first-order-push",
        "thank-you",
    }
    with pytest.raises(KeyError):
        journey.step("nope")


def test_jumps_list_targets_with_their_fields(onboarding_yaml: str) -> None:
    journey = load_journey(onboarding_yaml)
    waiting = journey.step("wait-for-first-order")
    branch = journey.step("nudge")
    assert isinstance(waiting, WaitForStep)
    assert isinstance(branch, BranchStep)
    assert [(j.field, j.target) for j in waiting.jumps()] == [
        ("wait_for.on_event", EXIT),
        ("wait_for.on_timeout", "nudge"),
    ]
    assert [(j.field, j.target) for j in branch.jumps()] == [
        ("branch.cases[0].goto", "sms-nudge"),
        ("branch.else", "push-nudge"),
    ]


def test_a_journey_is_immutable(onboarding_yaml: str) -> None:
    journey = load_journey(onboarding_yaml)
    with pytest.raises(ValidationError):
        journey.name = "changed"  # type: ignore[misc]


def test_copy_with_update_forgets_cached_lookups(onboarding_yaml: str) -> None:
    journey = load_journey(onboarding_yaml)
    assert "thanks" in journey.step_milestones
    shorter = journey.model_copy(update={"milestones": journey.milestones[:1]})
    assert "thanks" not in shorter.step_milestones


def test_unknown_keys_are_rejected(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["milestones"][0]["steps"][0]["send"]["tempalte"] = "x"
    with pytest.raises(ValidationError, match="tempalte"):
        load_journey(onboarding_doc)
