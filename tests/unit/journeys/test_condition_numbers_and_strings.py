"""Numbers compare as numbers, a bool is not a number, and a string is not a number."""

from __future__ import annotations

from typing import Any

import pytest

from waymark.core.journeys.conditions import ConditionContext, compile_condition


def holds(condition: dict[str, Any], value: Any) -> bool:
    return compile_condition(condition)(ConditionContext(profile={"x": value}))


def test_int_and_float_are_equal_numbers() -> None:
    assert holds({"attr": "profile.x", "eq": 1}, 1.0)
    assert holds({"attr": "profile.x", "gte": 1.5}, 2)


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
def test_a_numeric_string_does_not_compare_with_a_number(op: str) -> None:
    assert not holds({"attr": "profile.x", op: 5}, "5")


def test_a_numeric_string_is_not_equal_to_the_number() -> None:
    assert not holds({"attr": "profile.x", "eq": 5}, "5")
    assert holds({"attr": "profile.x", "ne": 5}, "5")


def test_a_bool_is_not_a_number() -> None:
    assert not holds({"attr": "profile.x", "eq": 1}, True)
    assert not holds({"attr": "profile.x", "gte": 0}, False)
    assert not holds({"attr": "profile.x", "eq": True}, 1)
    assert not holds({"attr": "profile.x", "in": [1, 0]}, True)
    assert holds({"attr": "profile.x", "in": [True]}, True)


def test_bools_compare_by_identity() -> None:
    assert holds({"attr": "profile.x", "eq": True}, True)
    assert not holds({"attr": "profile.x", "eq": True}, False)
    assert holds({"attr": "profile.x", "ne": False}, True)


def test_strings_are_case_sensitive() -> None:
    assert not holds({"attr": "profile.x", "eq": "Gold"}, "gold")
    assert holds({"attr": "profile.x", "ne": "Gold"}, "gold")


def test_list_and_null_values_in_a_membership_list() -> None:
    assert holds({"attr": "profile.x", "in": [[1, 2], "a"]}, [1, 2])
    assert not holds({"attr": "profile.x", "in": [None]}, "a")
