"""Backoff doubles per attempt with jitter in the upper half, capped; Retry-After wins."""

from __future__ import annotations

from datetime import UTC, datetime

from waymark.channel_dispatch.resilience import Backoff, parse_retry_after


def test_delay_doubles_and_stays_in_the_upper_half_of_each_step() -> None:
    backoff = Backoff(attempts=6, base_s=0.5, cap_s=30.0)
    assert [backoff.delay(n, rand=lambda: 0.0) for n in (1, 2, 3, 4)] == [0.25, 0.5, 1.0, 2.0]
    assert [backoff.delay(n, rand=lambda: 1.0) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]


def test_delay_is_capped() -> None:
    assert Backoff(base_s=1.0, cap_s=5.0).delay(10, rand=lambda: 1.0) == 5.0


def test_retry_after_overrides_the_backoff_up_to_its_cap() -> None:
    backoff = Backoff(base_s=0.5, retry_after_cap_s=60.0)
    assert backoff.delay(1, retry_after=7.0) == 7.0
    assert backoff.delay(1, retry_after=600.0) == 60.0


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Mon, 05 Jan 2026 10:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 05 Jan 2026 09:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
