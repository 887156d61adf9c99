"""A wired channel-dispatch at run time: serve the probes, connect, consume, shut down in order.

`bootstrap.build_service` wires it; `run` starts the HTTP surface first, so `/readyz` says which
dependency is missing while the start-up steps are retried, then runs the lanes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from waymark.channel_dispatch.lane import Lane
from waymark.channel_dispatch.ledger import Ledger
from waymark.channel_dispatch.pressure import Yielding
from waymark.channel_dispatch.senders.base import Sender
from waymark.channel_dispatch.settings import DispatchSettings
from waymark.channel_dispatch.suppression import SuppressionList
from waymark.core.adapters.readiness import OK, DependencyChecks, Readiness, cause_of
from waymark.core.errors import TransientError

__all__ = ["Service"]

log = structlog.get_logger(__name__)

_START_RETRY_S = (0.5, 5.0)
"""First and longest pause between attempts of a start-up step."""
_START_ERRORS = (PyMongoError, KafkaError, OSError, TransientError)
"""What a start-up step may meet while a dependency is away; anything else ends the process."""


async def _unless_stopped(step: Callable[[], Awaitable[None]], stopping: asyncio.Event) -> bool:
    """Run `step`, abandoning it when `stopping` is set first; whether it ran to the end."""
    running = asyncio.ensure_future(step())
    stop = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({running, stop}, return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if not running.done():
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        return False
    running.result()
    return True


@dataclass
class Service:
    """A wired channel-dispatch: run it until `stopping` is set."""

    settings: DispatchSettings
    ledger: Ledger
    suppressions: SuppressionList
    lanes: list[Lane]
    mongo: AsyncMongoClient[dict[str, Any]]
    producers: list[AIOKafkaProducer]
    consumers: list[AIOKafkaConsumer]
    senders: list[Sender[Any]]
    yielding: Yielding | None
    app: web.Application
    checks: DependencyChecks
    started: bool = False
    start_problem: str = ""
    runner: web.AppRunner | None = field(default=None)

    async def readiness(self) -> Readiness:
        """Kafka and MongoDB answer (probed, briefly cached) and every lane consumes."""
        verdict = await self.checks.check()
        return verdict.with_checks({"lanes": self._lanes_state()})

    def _lanes_state(self) -> str:
        if not self.started:
            return f"starting: {self.start_problem}" if self.start_problem else "starting"
        idle = [lane.name for lane in self.lanes if not lane.ready]
        return f"not consuming: {', '.join(idle)}" if idle else OK

    async def run(self, stopping: asyncio.Event) -> None:
        """Serve the probes, connect (retrying until `stopping`), consume until `stopping`, shut
        down in order; raise a lane failure."""
        helpers: list[asyncio.Task[None]] = []
        failures: list[BaseException] = []
        try:
            # The probes answer first, so a pod whose broker or database is away says why
            # (503) instead of exiting into a crash loop.
            self.runner = web.AppRunner(self.app, access_log=None)
            await self.runner.setup()
            site = web.TCPSite(self.runner, self.settings.http_host, self.settings.http_port)
            await site.start()
            if not await self._start(stopping):
                return
            self.started = True
            log.info("dispatch_started", owner=self.ledger.owner, port=self.settings.http_port)
            helpers = [
                asyncio.create_task(self._heartbeat(stopping)),
                asyncio.create_task(self.suppressions.keep_fresh(stopping)),
            ]
            if self.yielding is not None:
                helpers.append(asyncio.create_task(self.yielding.run(stopping)))
            lanes = [asyncio.create_task(lane.run(stopping)) for lane in self.lanes]
            results = await asyncio.gather(*lanes, return_exceptions=True)
            failures = [r for r in results if isinstance(r, BaseException)]
        finally:
            stopping.set()
            await asyncio.gather(*helpers, return_exceptions=True)
            if self.started and not failures:
                # Every claim of this owner has its result: others need not wait for it.
                with contextlib.suppress(Exception):
                    await self.ledger.retire()
            await self._close()
        if failures:
            raise failures[0]

    async def _start(self, stopping: asyncio.Event) -> bool:
        """Run each start-up step until it succeeds; False when `stopping` came first."""
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("MongoDB indexes", self.ledger.ensure_indexes),
            ("MongoDB heartbeat", self.ledger.beat),
            ("suppression list", self.suppressions.load),
            *(("Kafka producer", producer.start) for producer in self.producers),
            *(("Kafka consumer", consumer.start) for consumer in self.consumers),
        ]
        for what, step in steps:
            pause = _START_RETRY_S[0]
            while True:
                try:
                    if not await _unless_stopped(step, stopping):
                        return False
                    break
                except _START_ERRORS as exc:
                    self.start_problem = f"{what}: {cause_of(exc)}"[:240]
                    log.warning("start_retry", step=what, error=cause_of(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), timeout=pause)
                if stopping.is_set():
                    return False
                pause = min(pause * 2, _START_RETRY_S[1])
        self.start_problem = ""
        return True

    async def _heartbeat(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=self.settings.heartbeat_s)
            try:
                await self.ledger.beat()
            except Exception as exc:  # the next beat tries again; others wait a stale period
                log.warning("heartbeat_failed", error=str(exc))

    async def _close(self) -> None:
        for consumer in self.consumers:
            await consumer.stop()
        # A lane may have replaced its producer after a failure: stop the one it has now
        # (stopping a stopped producer does nothing).
        for producer in [*self.producers, *(lane.producer for lane in self.lanes)]:
            await producer.stop()
        for sender in self.senders:
            await sender.close()
        if self.runner is not None:
            await self.runner.cleanup()
        await self.mongo.close()
