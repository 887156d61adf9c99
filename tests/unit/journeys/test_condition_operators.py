"""Each attribute operator compares a present attribute with its value."""

from __future__ import annotations

from typing import Any

import pytest

from waymark.core.journeys.conditions import ConditionContext, compile_condition


def holds(condition: dict[str, Any], **profile: Any) -> bool:
    return compile_condition(condition)(ConditionContext(profile=profile))


@pytest.mark.parametrize(
    ("op", "literal", "value", "expected"),
    [
        ("eq", "gold", "gold", True),
        ("eq", "gold", "silver", False),
        ("eq", 3, 3, True),
        ("eq", 3, 4, False),
        ("ne", "gold", "silver", True),
        ("ne", "gold", "gold", False),
        ("gt", 10, 11, True),
        ("gt", 10, 10, False),
        ("gte", 10, 10, True),
        ("gte", 10, 9.5, False),
        ("lt", 10, 9, True),
        ("lt", 10, 10, False),
        ("lte", 10, 10, True),
        ("lte", 10, 10.5, False),
        ("in", ["DE", "AT"], "AT", True),
        ("in", ["DE", "AT"], "FR", False),
        ("in", [1, 2], 2.0, True),
        ("not_in", ["DE", "AT"], "FR", True),
        ("not_in", ["DE", "AT"], "DE", False),
        ("contains", "@example.com", "a@example.com", True),
        ("contains", "@example.com", "a@example.org", False),
        ("contains", "shoes", ["hats", "shoes"], True),
        ("contains", "bags", ["hats", "shoes"], False),
        ("contains", 2, [1, 2, 3], True),
        ("contains", "x", 42, False),
        ("starts_with", "+49", "+4930123", True),
        ("starts_with", "+49", "+4330123", False),
        ("starts_with", "1", 123, False),
        ("exists", True, "anything", True),
        ("exists", False, "anything", False),
    ],
)
def test_operator(op: str, literal: Any, value: Any, expected: bool) -> None:
    assert holds({"attr": "profile.x", op: literal}, x=value) is expected


def test_strings_order_lexicographically() -> None:
    assert holds({"attr": "profile.name", "gt": "b"}, name="c")
    assert not holds({"attr": "profile.name", "gt": "b"}, name="a")


def test_nested_profile_paths_are_followed() -> None:
    condition = {"attr": "profile.address.city", "eq": "Berlin"}
    assert holds(condition, address={"city": "Berlin"})
    assert not holds(condition, address={"city": "Bonn"})
    assert not holds(condition, address="Berlin")


def test_all_any_not_combine() -> None:
    gold = {"attr": "profile.tier", "eq": "gold"}
    adult = {"attr": "profile.age", "gte": 18}
    assert holds({"all": [gold, adult]}, tier="gold", age=20)
    assert not holds({"all": [gold, adult]}, tier="gold", age=10)
    assert holds({"all": [gold, adult, {"not": gold}, adult]}, tier="gold", age=20) is False
    assert holds({"any": [gold, adult]}, tier="silver", age=20)
    assert not holds({"any": [gold, adult]}, tier="silver", age=10)
    assert holds({"not": gold}, tier="silver")
    assert not holds({"not": gold}, tier="gold")


def test_empty_all_holds_and_empty_any_does_not() -> None:
    assert holds({"all": []})
    assert not holds({"any": []})
