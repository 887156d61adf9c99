"""Fixtures of the channel-dispatch unit tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import structlog


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is now (pytest swaps it per test and closes the old)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


@pytest.fixture(autouse=True)
def _logs_to_the_current_stderr() -> Iterator[None]:
    """Log to the live stderr, whatever an earlier test configured structlog with.

    `configure_logging` binds structlog to the stream of the moment and caches loggers on
    first use; under pytest that stream is closed after its test, so loggers cached then
    would fail here. Uncache this service's module loggers and log to the current stream.
    """
    saved = structlog.get_config()
    structlog.configure(
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    for name, module in list(sys.modules.items()):
        if name.startswith("waymark.channel_dispatch"):
            proxy = getattr(module, "log", None)
            if proxy is not None and "bind" in getattr(proxy, "__dict__", {}):
                del proxy.__dict__["bind"]
    yield
    structlog.configure(**saved)
