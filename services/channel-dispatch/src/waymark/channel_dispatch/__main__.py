"""`waymark-dispatch`: run channel-dispatch with settings from the environment."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import structlog

from waymark.channel_dispatch.bootstrap import build_service
from waymark.channel_dispatch.settings import DispatchSettings
from waymark.core.observability.logging import configure_logging
from waymark.core.observability.runtime import run, tune_gc
from waymark.core.settings import KafkaSettings, MongoSettings, SettingsError, load_settings

__all__ = ["main", "yield_cpu"]


async def _serve(settings: DispatchSettings, kafka: KafkaSettings, mongo: MongoSettings) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    service = build_service(settings=settings, kafka=kafka, mongo=mongo)
    await service.run(stopping)


def yield_cpu(settings: DispatchSettings) -> None:
    """Lower this process's CPU priority as configured, before any thread starts (threads
    inherit it): a marketing-only process yields the CPU to the transactional one on a
    shared host."""
    if settings.cpu_class == "idle":
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    if settings.nice:
        os.nice(settings.nice)


def main() -> None:
    """Read settings once, configure logging, run until SIGTERM; exit 2 on bad settings."""
    problems: list[str] = []
    loaded: list[object] = []
    for cls in (DispatchSettings, KafkaSettings, MongoSettings):
        try:
            loaded.append(load_settings(cls))
        except SettingsError as exc:
            problems.append(str(exc))
    if problems:
        print(f"waymark-dispatch: {'; '.join(problems)}", file=sys.stderr)
        raise SystemExit(2)
    settings, kafka, mongo = loaded
    assert isinstance(settings, DispatchSettings)
    assert isinstance(kafka, KafkaSettings)
    assert isinstance(mongo, MongoSettings)
    configure_logging("channel-dispatch", level=settings.log_level)
    yield_cpu(settings)
    try:
        tune_gc()
        run(_serve(settings, kafka, mongo))
    except Exception as exc:
        structlog.get_logger(__name__).error("dispatch_stopped", error=repr(exc))
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
