"""A JourneyVersion record becomes an outline: steps with kind and channel, splits, goal; a part
that cannot be read is left out, never fatal, and nothing stored has a dotted key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from waymark.analytics.catalog import GoalOutline, JourneyOutline, StepOutline, outline_of
from waymark.core.contracts import JourneyVersion

DEFINITION: dict[str, Any] = {
    "id": "cart-recovery",
    "name": "Cart recovery",
    "type": "marketing",
    "trigger": {"event": "cart_abandoned"},
    "goal": {"event": "order_completed", "within": "P3D"},
    "milestones": [
        {
            "id": "cart",
            "name": "Cart",
            "steps": [
                {"id": "ab", "split": {"paths": [{"weight": 1, "goto": "mail"}], "control": 10}},
                {"id": "mail", "send": {"channel": "email", "template": "cart"}},
                {
                    "id": "wait-order",
                    "wait_for": {
                        "event": "order_completed",
                        "match": {"event.properties.cart_id": "entry.properties.cart_id"},
                        "timeout": "P1D",
                    },
                },
                {"id": "push", "name": "Push nudge", "send": {"channel": "push", "template": "p"}},
                {"id": "odd"},
                {"send": {"channel": "sms"}},
            ],
        },
        {"name": "no id"},
        "not a milestone",
    ],
}


def _version(definition: dict[str, Any], version: int = 3) -> JourneyVersion:
    return JourneyVersion(
        journey_id="cart-recovery",
        version=version,
        status="active",
        type="marketing",
        definition=definition,
        published_at=datetime(2026, 1, 5, tzinfo=UTC),
        checksum="x",
    )


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for k in value] + [k for v in value.values() for k in _keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def test_steps_splits_and_goal_are_read() -> None:
    outline = outline_of(_version(DEFINITION))
    assert outline.name == "Cart recovery"
    assert outline.milestones == (("cart", "Cart"),)
    assert outline.steps == (
        StepOutline("cart", "ab", "split", control=10.0),
        StepOutline("cart", "mail", "send", "email"),
        StepOutline("cart", "wait-order", "wait_for"),
        StepOutline("cart", "push", "send", "push", "Push nudge"),
        StepOutline("cart", "odd", "unknown"),
    )
    assert [s.step_id for s in outline.splits] == ["ab"]
    assert outline.goal == GoalOutline("order_completed", 3 * 86400)


def test_the_stored_outline_round_trips_and_has_no_dotted_key() -> None:
    outline = outline_of(_version(DEFINITION))
    document = outline.to_document()
    assert document["_id"] == "cart-recovery/3"
    assert not [k for k in _keys(document) if "." in k or k.startswith("$")]
    assert JourneyOutline.from_document(document) == outline


def test_an_unreadable_definition_gives_an_empty_outline() -> None:
    outline = outline_of(_version({"milestones": "nope", "goal": {"event": "x", "within": "?"}}))
    assert (outline.name, outline.steps, outline.goal) == ("cart-recovery", (), None)
