"""A condition is compiled once: later compilations return the very same function."""

from __future__ import annotations

import pickle

import pytest

from waymark.core.journeys import conditions
from waymark.core.journeys.conditions import (
    ConditionContext,
    canonical_key,
    compile_condition,
    parse_condition,
)
from waymark.core.journeys.model import load_journey

DOCUMENT: dict[str, list[dict[str, object]]] = {
    "all": [{"attr": "profile.tier", "eq": "gold"}, {"attr": "profile.age", "gte": 18}]
}


def test_the_same_condition_compiles_to_the_same_function() -> None:
    condition = parse_condition(DOCUMENT)
    assert compile_condition(condition) is compile_condition(condition)


def test_equal_conditions_share_one_compiled_function() -> None:
    first = parse_condition(DOCUMENT)
    second = parse_condition({"all": [dict(item) for item in DOCUMENT["all"]]})
    assert first is not second
    assert compile_condition(first) is compile_condition(second)
    assert compile_condition(DOCUMENT) is compile_condition(first)


def test_key_order_does_not_make_a_different_condition() -> None:
    one = parse_condition({"event": "a", "where": {"attr": "profile.x", "eq": 1}})
    two = parse_condition({"where": {"eq": 1, "attr": "profile.x"}, "event": "a"})
    assert canonical_key(one) == canonical_key(two)
    assert compile_condition(one) is compile_condition(two)


def test_different_conditions_compile_apart() -> None:
    gold = compile_condition({"attr": "profile.tier", "eq": "gold"})
    silver = compile_condition({"attr": "profile.tier", "eq": "silver"})
    assert gold is not silver
    assert gold(ConditionContext(profile={"tier": "gold"}))
    assert not silver(ConditionContext(profile={"tier": "gold"}))


def test_building_happens_once_per_distinct_condition(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    original = conditions._build

    def counting(condition: conditions.Condition) -> conditions.Predicate:
        calls.append(condition)
        return original(condition)

    monkeypatch.setattr(conditions, "_build", counting)
    document = {"attr": "profile.counted", "eq": "once"}
    for _ in range(3):
        compile_condition(parse_condition(document))
    assert len(calls) == 1


def test_a_journey_with_compiled_conditions_still_pickles(onboarding_yaml: str) -> None:
    journey = load_journey(onboarding_yaml)
    entry = journey.milestones[0].entry
    assert entry is not None
    compile_condition(entry)
    again = pickle.loads(pickle.dumps(journey))
    assert again == journey
