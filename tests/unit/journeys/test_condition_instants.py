"""Two strings that both parse as ISO-8601 instants compare as instants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from waymark.core.journeys.comparisons import as_instant
from waymark.core.journeys.conditions import ConditionContext, compile_condition


def holds(condition: dict[str, Any], value: Any) -> bool:
    return compile_condition(condition)(ConditionContext(profile={"at": value}))


def test_the_same_instant_in_two_zones_is_equal() -> None:
    assert holds({"attr": "profile.at", "eq": "2026-01-05T10:00:00Z"}, "2026-01-05T11:00:00+01:00")
    assert not holds(
        {"attr": "profile.at", "ne": "2026-01-05T10:00:00Z"}, "2026-01-05T11:00:00+01:00"
    )


def test_instants_order_by_time_not_by_text() -> None:
    # As text "…T09:30:00-05:00" < "…T10:00:00Z", but it is 14:30 UTC, later.
    later = "2026-01-05T09:30:00-05:00"
    assert holds({"attr": "profile.at", "gt": "2026-01-05T10:00:00Z"}, later)
    assert not holds({"attr": "profile.at", "lt": "2026-01-05T10:00:00Z"}, later)


def test_a_naive_instant_is_utc() -> None:
    assert holds({"attr": "profile.at", "eq": "2026-01-05T10:00:00"}, "2026-01-05T10:00:00Z")
    assert holds({"attr": "profile.at", "lte": "2026-01-05T10:00:00+00:00"}, "2026-01-05T10:00:00")


def test_a_date_is_midnight_utc() -> None:
    assert holds({"attr": "profile.at", "gte": "2026-01-05"}, "2026-01-05T00:00:00Z")
    assert not holds({"attr": "profile.at", "gt": "2026-01-05"}, "2026-01-04T23:59:59Z")


def test_a_datetime_value_is_an_instant() -> None:
    value = datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert holds({"attr": "profile.at", "eq": "2026-01-05T10:00:00Z"}, value)
    assert holds({"attr": "profile.at", "lt": "2026-01-06"}, value)


def test_a_string_that_is_no_instant_compares_as_text() -> None:
    assert not holds({"attr": "profile.at", "eq": "2026-01-05T10:00:00Z"}, "soon")
    assert holds({"attr": "profile.at", "gt": "2026-01-05"}, "later")


def test_instant_members_of_a_list_compare_as_instants() -> None:
    assert holds(
        {"attr": "profile.at", "in": ["2026-01-05T10:00:00Z"]}, "2026-01-05T12:00:00+02:00"
    )


@pytest.mark.parametrize("text", ["20260105", "2026", "12:00", "not a date", "2026-13-01"])
def test_strings_not_shaped_like_an_iso_date_are_not_instants(text: str) -> None:
    assert as_instant(text) is None
