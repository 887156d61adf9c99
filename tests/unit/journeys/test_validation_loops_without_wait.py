"""A loop of steps with no wait or wait_for in it would spin forever, so it is rejected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from waymark.core.journeys.model import load_journey
from waymark.core.journeys.validation import validate_journey

JourneyFactory = Callable[..., dict[str, Any]]

WHEN = {"attr": "profile.a", "exists": True}


def problems(document: dict[str, Any]) -> dict[str, str]:
    return {p.path: p.message for p in validate_journey(load_journey(document))}


def test_a_loop_of_sends_and_branches(make_journey: JourneyFactory) -> None:
    steps = [
        {"id": "start", "send": {"channel": "email", "template": "t"}},
        {"id": "again", "send": {"channel": "email", "template": "t"}},
        {"id": "check", "branch": {"cases": [{"when": WHEN, "goto": "again"}], "else": "exit"}},
    ]
    found = problems(make_journey(steps))
    assert list(found) == ["milestones[0].steps[1]"]
    message = found["milestones[0].steps[1]"]
    assert "steps 'again' and 'check' loop without a wait or wait_for" in message


def test_a_step_jumping_to_itself(make_journey: JourneyFactory) -> None:
    steps = [{"id": "self", "branch": {"cases": [{"when": WHEN, "goto": "self"}], "else": "exit"}}]
    found = problems(make_journey(steps))
    assert "step 'self' loop" in found["milestones[0].steps[0]"]


def test_a_loop_through_a_wait_is_fine(make_journey: JourneyFactory) -> None:
    steps = [
        {"id": "mail", "send": {"channel": "email", "template": "t"}},
        {"id": "pause", "wait": {"duration": "P1D"}},
        {"id": "check", "branch": {"cases": [{"when": WHEN, "goto": "mail"}], "else": "exit"}},
    ]
    assert problems(make_journey(steps)) == {}


def test_a_loop_through_a_wait_for_is_fine(make_journey: JourneyFactory) -> None:
    steps = [
        {"id": "mail", "send": {"channel": "email", "template": "t"}},
        {"id": "listen", "wait_for": {"event": "e", "timeout": "P1D", "on_timeout": "mail"}},
    ]
    assert problems(make_journey(steps)) == {}
