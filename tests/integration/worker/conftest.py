"""Fixtures of the engine worker tests: topics under a unique prefix, workers as processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from .harness import Bus, WorkerProcess


@pytest.fixture
async def bus(kafka_topics: Any) -> AsyncIterator[Bus]:
    """Producer of inputs and journey versions for the test's topics."""
    async with Bus(kafka_topics) as b:
        yield b


@pytest.fixture
def make_worker(
    kafka_topics: Any, unique: str, tmp_path: Path
) -> AsyncIterator[Callable[[str], WorkerProcess]]:
    """Start engine workers of one app id; every one is killed at the end of the test."""
    started: list[WorkerProcess] = []

    def make(name: str = "w1") -> WorkerProcess:
        worker = WorkerProcess(
            kafka_topics,
            app_id=f"engine-{unique}",
            data_dir=tmp_path / name,
            log_path=tmp_path / f"{name}.log",
        )
        started.append(worker)
        return worker.start()

    yield make  # type: ignore[misc]
    for worker in started:
        worker.kill()
