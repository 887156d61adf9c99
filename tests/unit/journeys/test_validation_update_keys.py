"""`update.set` keys are profile paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from waymark.core.journeys.model import UpdateStep, load_journey
from waymark.core.journeys.validation import validate_journey

JourneyFactory = Callable[..., dict[str, Any]]


def test_keys_must_start_with_profile(make_journey: JourneyFactory) -> None:
    step = {"id": "u", "update": {"set": {"email": "x", "profile.": 1, "profile.tier": "gold"}}}
    journey = load_journey(make_journey([step]))
    found = {p.path: p.message for p in validate_journey(journey)}
    assert found == {
        "milestones[0].steps[0].update.set.email": "'email' does not start with 'profile.'",
        "milestones[0].steps[0].update.set['profile.']": (
            "'profile.' names no profile attribute (write profile.NAME)"
        ),
    }


def test_assignments_split_the_profile_path(make_journey: JourneyFactory) -> None:
    step = {"id": "u", "update": {"set": {"profile.address.city": "Berlin", "profile.vip": True}}}
    parsed = load_journey(make_journey([step])).milestones[0].steps[0]
    assert isinstance(parsed, UpdateStep)
    assert parsed.update.assignments() == [(("address", "city"), "Berlin"), (("vip",), True)]
