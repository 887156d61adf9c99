"""ISO-8601 durations parse to timedeltas and keep how they were written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from waymark.core.journeys.durations import Duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P3D", timedelta(days=3)),
        ("PT2S", timedelta(seconds=2)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1W", timedelta(weeks=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("PT90M", timedelta(minutes=90)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    duration = Duration(text)
    assert duration == expected
    assert duration.iso == text
    assert str(duration) == text


def test_a_duration_is_usable_as_a_timedelta() -> None:
    assert timedelta(hours=1) + Duration("PT30M") == timedelta(minutes=90)


@pytest.mark.parametrize("text", ["3D", "P", "PT", "P1DT", "PT1M30H", "P-1D", "1 day", ""])
def test_malformed_durations_are_rejected_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO-8601 duration like P3D"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P1Y2M3D"])
def test_months_and_years_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="years or months, which have no fixed length"):
        parse_duration(text)


def test_zero_is_rejected() -> None:
    with pytest.raises(ValueError, match="not longer than zero"):
        parse_duration("PT0S")
