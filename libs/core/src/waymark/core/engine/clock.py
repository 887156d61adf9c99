"""Instants as epoch seconds, and times of day in a customer's time zone (no clock reads)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "customer_zone",
    "from_epoch",
    "in_window",
    "next_local_time",
    "to_epoch",
    "zone",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_epoch(instant: datetime) -> int:
    """Whole seconds since the epoch; a naive datetime is taken as UTC."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return int(instant.timestamp())


def from_epoch(seconds: int) -> datetime:
    """The UTC datetime of an epoch second."""
    return _EPOCH + timedelta(seconds=seconds)


@lru_cache(maxsize=512)
def zone(name: str | None) -> tzinfo:
    """The time zone called `name`; UTC when missing or unknown (a bad trait stops nothing)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def customer_zone(profile: dict[str, object]) -> tzinfo:
    """The customer's time zone from `profile.timezone`, UTC by default."""
    name = profile.get("timezone")
    return zone(name if isinstance(name, str) else None)


def _at(day: date, clock: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def next_local_time(now: datetime, clock: time, tz: tzinfo) -> datetime:
    """The first instant strictly after `now` whose wall-clock time in `tz` is `clock`, in UTC."""
    local = now.astimezone(tz)
    candidate = _at(local.date(), clock, tz)
    if candidate <= now:
        candidate = _at(local.date() + timedelta(days=1), clock, tz)
        if candidate <= now:  # a DST fold can make "tomorrow" land before now
            candidate = _at(local.date() + timedelta(days=2), clock, tz)
    return candidate


def in_window(now: datetime, start: time, end: time, tz: tzinfo) -> bool:
    """Whether the wall-clock time in `tz` is in [start, end), a window that may wrap midnight."""
    local = now.astimezone(tz).time().replace(tzinfo=None)
    if start <= end:
        return start <= local < end
    return local >= start or local < end
