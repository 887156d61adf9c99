"""Fixtures of the analytics integration tests: the service as a process on the test's topics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import AnalyticsProcess


@pytest.fixture
def make_analytics(
    kafka_topics: Any, mongo_url: str, mongo_db: Any, unique: str, tmp_path: Path
) -> Iterator[Callable[..., AnalyticsProcess]]:
    """Start analytics processes on the test's topics and database; all stopped at the end."""
    started: list[AnalyticsProcess] = []

    def make(name: str = "a1", **overrides: Any) -> AnalyticsProcess:
        values: dict[str, Any] = {
            "kafka": kafka_topics,
            "mongo_url": mongo_url,
            "database": mongo_db.name,
            "group_id": f"analytics-{unique}-{name}",
            "log_path": tmp_path / f"{name}.log",
        }
        values.update(overrides)
        process = AnalyticsProcess(**values)
        started.append(process)
        return process.start()

    yield make
    for process in started:
        process.stop()
