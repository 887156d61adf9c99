"""A missing attribute makes every comparison false, except `exists: false`."""

from __future__ import annotations

from typing import Any

import pytest

from waymark.core.journeys.conditions import (
    OPERATORS,
    ConditionContext,
    EventView,
    compile_condition,
)

LITERALS: dict[str, Any] = {
    "eq": 1,
    "ne": 1,
    "gt": 1,
    "gte": 1,
    "lt": 1,
    "lte": 1,
    "in": [1],
    "not_in": [1],
    "contains": "a",
    "starts_with": "a",
    "exists": True,
}

CONTEXTS = [
    pytest.param(ConditionContext(profile={}), id="absent"),
    pytest.param(ConditionContext(profile={"x": None}), id="null"),
    pytest.param(ConditionContext(profile={"other": 1}), id="other-key"),
]


@pytest.mark.parametrize("op", [op for op in OPERATORS if op != "exists"])
@pytest.mark.parametrize("ctx", CONTEXTS)
def test_every_comparison_is_false(op: str, ctx: ConditionContext) -> None:
    assert compile_condition({"attr": "profile.x", op: LITERALS[op]})(ctx) is False


@pytest.mark.parametrize("ctx", CONTEXTS)
def test_exists_false_holds_and_exists_true_does_not(ctx: ConditionContext) -> None:
    assert compile_condition({"attr": "profile.x", "exists": False})(ctx) is True
    assert compile_condition({"attr": "profile.x", "exists": True})(ctx) is False


def test_a_missing_intermediate_is_missing() -> None:
    ctx = ConditionContext(profile={"a": 5})
    assert compile_condition({"attr": "profile.a.b", "ne": 1})(ctx) is False
    assert compile_condition({"attr": "profile.a.b", "exists": False})(ctx) is True


def test_event_paths_without_an_event_are_missing() -> None:
    ctx = ConditionContext(profile={}, event=None, entry=None)
    assert compile_condition({"attr": "event.name", "ne": "x"})(ctx) is False
    assert compile_condition({"attr": "entry.properties.a", "ne": "x"})(ctx) is False
    assert compile_condition({"attr": "event.properties.a", "exists": False})(ctx) is True


def test_a_missing_event_property_is_missing() -> None:
    ctx = ConditionContext(profile={}, event=EventView("e", {"b": 1}))
    assert compile_condition({"attr": "event.properties.a", "not_in": [1]})(ctx) is False
    assert compile_condition({"attr": "event.properties.b", "not_in": [2]})(ctx) is True
