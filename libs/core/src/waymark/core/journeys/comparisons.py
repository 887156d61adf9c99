"""How an attribute value compares with a condition's literal: numbers, instants, strings."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

__all__ = ["ValueTest", "as_instant", "is_number", "operator_test", "same_value"]

ValueTest = Callable[[Any], bool]
"""A test of one present (not missing) attribute value."""

_INSTANT_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}")
_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def is_number(value: Any) -> bool:
    """Whether `value` is an int or a float (a bool is not a number)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_instant(value: Any) -> datetime | None:
    """The timezone-aware instant an ISO-8601 string (or datetime) names; naive means UTC."""
    if isinstance(value, str):
        # Only strings shaped like a date are tried: fromisoformat also takes "20260105".
        if _INSTANT_PREFIX.match(value) is None:
            return None
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return None
    elif isinstance(value, datetime):
        instant = value
    else:
        return None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def same_value(left: Any, right: Any) -> bool:
    """Equality as conditions see it: numbers by value, instants as instants, bools apart."""
    if is_number(left) or is_number(right):
        return is_number(left) and is_number(right) and left == right
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if left == right:
        return True
    left_instant = as_instant(left)
    if left_instant is None:
        return False
    right_instant = as_instant(right)
    return right_instant is not None and left_instant == right_instant


def _equals(literal: Any) -> ValueTest:
    if is_number(literal):
        return lambda value: is_number(value) and value == literal
    if isinstance(literal, bool):
        return lambda value: value is literal
    instant = as_instant(literal)
    if isinstance(literal, str) and instant is None:
        return lambda value: value == literal if isinstance(value, str) else False
    if instant is not None:

        def equals_instant(value: Any) -> bool:
            if value == literal:
                return True
            other = as_instant(value)
            return other is not None and other == instant

        return equals_instant
    return lambda value: same_value(value, literal)


def _ordering(compare: Callable[[Any, Any], bool], literal: Any) -> ValueTest:
    if is_number(literal):
        return lambda value: is_number(value) and compare(value, literal)
    instant = as_instant(literal)
    if instant is None:
        return lambda value: isinstance(value, str) and compare(value, literal)

    def ordered(value: Any) -> bool:
        other = as_instant(value)
        if other is not None:
            return compare(other, instant)
        return isinstance(value, str) and compare(value, literal)

    return ordered


def _member_of(literals: list[Any]) -> ValueTest:
    strings: set[str] = set()
    numbers: set[int | float] = set()
    others: list[ValueTest] = []
    for item in literals:
        if isinstance(item, str) and as_instant(item) is None:
            strings.add(item)
        elif is_number(item):
            numbers.add(item)
        else:
            others.append(_equals(item))

    def member(value: Any) -> bool:
        if isinstance(value, str) and value in strings:
            return True
        if is_number(value) and value in numbers:
            return True
        return any(test(value) for test in others)

    return member


def _contains(literal: Any) -> ValueTest:
    equals = _equals(literal)

    def contains(value: Any) -> bool:
        if isinstance(value, str):
            return isinstance(literal, str) and literal in value
        if isinstance(value, list | tuple):
            return any(equals(item) for item in value)
        return False

    return contains


def operator_test(op: str, literal: Any) -> ValueTest:
    """The test `op` with `literal` applies to a present value (`exists` is not one)."""
    if op == "eq":
        return _equals(literal)
    if op == "ne":
        equals = _equals(literal)
        return lambda value: not equals(value)
    if op in _ORDERINGS:
        return _ordering(_ORDERINGS[op], literal)
    if op == "in":
        return _member_of(list(literal))
    if op == "not_in":
        member = _member_of(list(literal))
        return lambda value: not member(value)
    if op == "contains":
        return _contains(literal)
    if op == "starts_with":
        return lambda value: isinstance(value, str) and value.startswith(literal)
    raise ValueError(f"'{op}' is not an operator with a value test")
