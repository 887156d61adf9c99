"""Comparisons agree with the values they stand for, whatever the values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from waymark.core.journeys.conditions import ConditionContext, compile_condition

numbers = st.integers(-(10**9), 10**9) | st.floats(allow_nan=False, allow_infinity=False)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def holds(op: str, literal: object, value: object) -> bool:
    condition = {"attr": "profile.v", op: literal}
    return compile_condition(condition)(ConditionContext(profile={"v": value}))


@given(numbers, numbers)
def test_number_orderings_match_python(literal: float, value: float) -> None:
    assert holds("gt", literal, value) is (value > literal)
    assert holds("lte", literal, value) is (value <= literal)
    assert holds("eq", literal, value) is (value == literal)
    assert holds("ne", literal, value) is (value != literal)


@given(instants, instants, offsets, offsets)
def test_instant_orderings_ignore_the_written_offset(
    literal: datetime, value: datetime, zone_a: timezone, zone_b: timezone
) -> None:
    literal_text = literal.astimezone(zone_a).isoformat()
    value_text = value.astimezone(zone_b).isoformat()
    assert holds("lt", literal_text, value_text) is (value < literal)
    assert holds("gte", literal_text, value_text) is (value >= literal)
    assert holds("eq", literal_text, value_text) is (value == literal)
