"""A step that no path from the milestone's first step reaches is reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from waymark.core.journeys.model import load_journey
from waymark.core.journeys.validation import validate_journey

JourneyFactory = Callable[..., dict[str, Any]]


def problems(document: dict[str, Any]) -> dict[str, str]:
    return {p.path: p.message for p in validate_journey(load_journey(document))}


def send(step_id: str) -> dict[str, Any]:
    return {"id": step_id, "send": {"channel": "email", "template": "t"}}


def test_a_step_after_an_exit_is_unreachable(make_journey: JourneyFactory) -> None:
    found = problems(make_journey([send("a"), {"id": "bye", "exit": {}}, send("orphan")]))
    assert found == {
        "milestones[0].steps[2]": "step 'orphan' cannot be reached from 'a', "
        "the milestone's first step"
    }


def test_a_step_skipped_by_every_jump_is_unreachable(onboarding_doc: dict[str, Any]) -> None:
    wait_for = onboarding_doc["milestones"][0]["steps"][1]["wait_for"]
    wait_for["on_timeout"] = "push-nudge"
    found = problems(onboarding_doc)
    assert set(found) == {"milestones[0].steps[2]", "milestones[0].steps[3]"}
    assert "step 'nudge' cannot be reached from 'welcome'" in found["milestones[0].steps[2]"]
    assert "step 'sms-nudge' cannot be reached" in found["milestones[0].steps[3]"]


def test_a_missing_exit_of_wait_for_falls_through(make_journey: JourneyFactory) -> None:
    wait_for = {"id": "w", "wait_for": {"event": "e", "timeout": "P1D", "on_event": "exit"}}
    assert problems(make_journey([wait_for, send("after")])) == {}


def test_a_branch_without_else_falls_through(make_journey: JourneyFactory) -> None:
    branch = {
        "id": "b",
        "branch": {"cases": [{"when": {"attr": "profile.a", "exists": True}, "goto": "exit"}]},
    }
    assert problems(make_journey([branch, send("after")])) == {}


def test_a_split_does_not_fall_through(make_journey: JourneyFactory) -> None:
    split = {"id": "s", "split": {"paths": [{"weight": 100, "goto": "c"}]}}
    found = problems(make_journey([split, send("b"), send("c")]))
    assert list(found) == ["milestones[0].steps[1]"]


def test_a_branch_with_else_does_not_fall_through(make_journey: JourneyFactory) -> None:
    case = {"when": {"attr": "profile.a", "exists": True}, "goto": "c"}
    branch = {"id": "b", "branch": {"cases": [case], "else": "exit"}}
    found = problems(make_journey([branch, send("skipped"), send("c")]))
    assert list(found) == ["milestones[0].steps[1]"]
    assert "step 'skipped' cannot be reached" in found["milestones[0].steps[1]"]


def test_a_wait_for_with_both_exits_does_not_fall_through(make_journey: JourneyFactory) -> None:
    wait_for = {
        "id": "w",
        "wait_for": {"event": "e", "timeout": "P1D", "on_event": "exit", "on_timeout": "c"},
    }
    found = problems(make_journey([wait_for, send("skipped"), send("c")]))
    assert list(found) == ["milestones[0].steps[1]"]
