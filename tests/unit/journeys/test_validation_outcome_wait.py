"""An outcome wait's `of` must name a send step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from waymark.core.journeys.model import load_journey
from waymark.core.journeys.validation import validate_journey

JourneyFactory = Callable[..., dict[str, Any]]


def outcome_wait(of: str) -> dict[str, Any]:
    return {"id": "o", "wait_for": {"outcome": "opened", "of": of, "timeout": "P1D"}}


def problems(document: dict[str, Any]) -> dict[str, str]:
    return {p.path: p.message for p in validate_journey(load_journey(document))}


def test_of_names_a_send_step(make_journey: JourneyFactory) -> None:
    mail = {"id": "mail", "send": {"channel": "email", "template": "t"}}
    assert problems(make_journey([mail, outcome_wait("mail")])) == {}


def test_of_names_no_step(make_journey: JourneyFactory) -> None:
    found = problems(make_journey([outcome_wait("mial")]))
    assert found == {"milestones[0].steps[0].wait_for.of": "no send step 'mial' in this journey"}


def test_of_names_a_step_that_is_not_a_send(make_journey: JourneyFactory) -> None:
    pause = {"id": "pause", "wait": {"duration": "P1D"}}
    found = problems(make_journey([pause, outcome_wait("pause")]))
    assert found == {
        "milestones[0].steps[1].wait_for.of": "step 'pause' is a wait step, not a send step"
    }


def test_outcome_without_of_is_a_parse_error(make_journey: JourneyFactory) -> None:
    step = {"id": "o", "wait_for": {"outcome": "opened", "timeout": "P1D"}}
    with pytest.raises(ValidationError, match="an outcome wait needs 'of'"):
        load_journey(make_journey([step]))


def test_event_and_outcome_together_is_a_parse_error(make_journey: JourneyFactory) -> None:
    step = {"id": "o", "wait_for": {"event": "e", "outcome": "opened", "of": "x", "timeout": "P1D"}}
    with pytest.raises(ValidationError, match="exactly one of 'event' or 'outcome'"):
        load_journey(make_journey([step]))


def test_match_must_read_the_awaited_event(make_journey: JourneyFactory) -> None:
    step = {
        "id": "w",
        "wait_for": {
            "event": "e",
            "match": {"entry.properties.a": "event.properties.a"},
            "timeout": "P1D",
        },
    }
    with pytest.raises(ValidationError, match="must name a property of the awaited event"):
        load_journey(make_journey([step]))
