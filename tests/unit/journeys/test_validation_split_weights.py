"""Split weights add up to 100 and control is a percentage below 100."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from waymark.core.journeys.model import load_journey
from waymark.core.journeys.validation import validate_journey

JourneyFactory = Callable[..., dict[str, Any]]


def split_problems(make_journey: JourneyFactory, split: dict[str, Any]) -> dict[str, str]:
    steps = [{"id": "s", "split": split}, {"id": "a", "exit": {}}, {"id": "b", "exit": {}}]
    journey = load_journey(make_journey(steps))
    return {p.path: p.message for p in validate_journey(journey)}


def test_weights_must_add_up_to_100(make_journey: JourneyFactory) -> None:
    paths = [{"weight": 50, "goto": "a"}, {"weight": 40, "goto": "b"}]
    found = split_problems(make_journey, {"paths": paths})
    assert found == {"milestones[0].steps[0].split.paths": "split weights add up to 90, not 100"}


@pytest.mark.parametrize("control", [0, 10, 99.5])
def test_control_below_100_is_fine(make_journey: JourneyFactory, control: float) -> None:
    paths = [{"weight": 50, "goto": "a"}, {"weight": 50, "goto": "b"}]
    assert split_problems(make_journey, {"paths": paths, "control": control}) == {}


@pytest.mark.parametrize("control", [100, 150, -1])
def test_control_outside_0_to_100(make_journey: JourneyFactory, control: float) -> None:
    paths = [{"weight": 100, "goto": "a"}]
    found = split_problems(make_journey, {"paths": paths, "control": control})
    message = found["milestones[0].steps[0].split.control"]
    assert message.startswith(f"control is {control} percent")
