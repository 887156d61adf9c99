"""The holdout interval is Newcombe's hybrid score interval: it reproduces the published
values (Newcombe 1998, Statistics in Medicine 17:873-890, Table II, method 10)."""

from __future__ import annotations

import pytest

from waymark.analytics.lift import newcombe_interval, wilson_interval


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_newcombe_interval_of_a_difference(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    found = newcombe_interval(x1, n1, x2, n2)
    assert found == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_of_one_proportion() -> None:
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)


def test_wilson_interval_stays_inside_zero_and_one() -> None:
    assert wilson_interval(0, 5)[0] == 0.0
    assert wilson_interval(5, 5)[1] == 1.0


def test_a_proportion_without_trials_has_no_interval() -> None:
    with pytest.raises(ValueError, match="at least one trial"):
        wilson_interval(0, 0)
