"""Readiness: whether a service reaches what it depends on, asked cheaply and answered truly.

Kubernetes asks `/readyz` every few seconds per pod, and a dependency that hangs must not hang
the answer. So each dependency's probe gets a time budget (about a second), one round of
probes is shared by concurrent askers, and its verdict is reused for a second or two. The
answer names every check: `{"ready": false, "checks": {"kafka": "unreachable: ...",
"mongo": "ok"}}`, 503 unless every check says `ok`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pymongo
from aiokafka.client import AIOKafkaClient
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from waymark.core.errors import WaymarkError

__all__ = [
    "OK",
    "DependencyChecks",
    "Probe",
    "Readiness",
    "UnreachableError",
    "cause_of",
    "kafka_metadata",
    "mongo_ping",
]

OK = "ok"
"""What a check says when all is well; anything else is the reason it is not."""

Probe = Callable[[float], Awaitable[object]]
"""Reaches one dependency within the given seconds, or raises saying why it could not."""

_REASON_CHARS = 240


class UnreachableError(WaymarkError):
    """A probe did not reach its dependency; the message says why, briefly."""


@dataclass(frozen=True, slots=True)
class Readiness:
    """What each check said: `ok`, or what is wrong."""

    checks: Mapping[str, str]

    @property
    def ready(self) -> bool:
        """Whether every check says `ok`."""
        return all(verdict == OK for verdict in self.checks.values())

    @property
    def status(self) -> int:
        """The HTTP status of `/readyz`: 200 when ready, else 503."""
        return 200 if self.ready else 503

    def body(self) -> dict[str, Any]:
        """The JSON body of `/readyz`."""
        return {"ready": self.ready, "checks": dict(self.checks)}

    def with_checks(self, more: Mapping[str, str]) -> Readiness:
        """These checks and `more` (the service's own state, e.g. its consumers)."""
        return Readiness({**self.checks, **more})


class DependencyChecks:
    """Named probes of a service's dependencies, each bounded in time, the verdict cached."""

    def __init__(
        self,
        probes: Mapping[str, Probe],
        *,
        timeout_s: float = 1.0,
        ttl_s: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Give each probe `timeout_s`; reuse a verdict for `ttl_s` seconds."""
        self._probes = dict(probes)
        self._timeout_s = timeout_s
        self._ttl_s = ttl_s
        self._clock = clock
        self._verdict: Readiness | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def check(self) -> Readiness:
        """The verdict of the last round, or of a new one when that one is stale."""
        async with self._lock:
            # Askers that waited for the lock take the round that just finished.
            if self._verdict is None or self._clock() - self._at >= self._ttl_s:
                names = list(self._probes)
                said = await asyncio.gather(*(self._ask(self._probes[n]) for n in names))
                self._verdict = Readiness(dict(zip(names, said, strict=True)))
                self._at = self._clock()
            return self._verdict

    async def _ask(self, probe: Probe) -> str:
        # The probe gets the budget to use natively; this bound catches one that ignores it.
        try:
            async with asyncio.timeout(self._timeout_s + 0.5):
                await probe(self._timeout_s)
        except TimeoutError:
            return f"unreachable: no answer within {self._timeout_s:g} s"
        except Exception as exc:  # any failure to reach it is the reason it is not ready
            return _unreachable(exc)
        return OK


def cause_of(exc: BaseException) -> str:
    """`Type: message` of an error, once (aiokafka's messages start with their type already)."""
    name, text = type(exc).__name__, str(exc)
    return text if text.startswith(name) else f"{name}: {text}" if text else name


def _unreachable(exc: BaseException) -> str:
    reason = f"unreachable: {str(exc) if isinstance(exc, UnreachableError) else cause_of(exc)}"
    return reason if len(reason) <= _REASON_CHARS else reason[: _REASON_CHARS - 1] + "…"


def mongo_ping(client: AsyncMongoClient[dict[str, Any]]) -> Probe:
    """A `ping` command on the service's own client, within the budget."""

    async def ping(timeout_s: float) -> None:
        try:
            with pymongo.timeout(timeout_s):
                await client.admin.command("ping")
        except PyMongoError as exc:
            # The first clause names the server and the cause; the rest is topology detail.
            cause = str(exc).split(" (configured timeouts", 1)[0].split(", Timeout:", 1)[0]
            raise UnreachableError(f"{type(exc).__name__}: {cause}") from exc

    return ping


def kafka_metadata(client: Callable[[], Any], bootstrap: str) -> Probe:
    """A metadata round trip through the service's aiokafka client (`producer.client`).

    It asks the brokers the client knows over its own connections, so a refused connection
    fails at once and a hung broker by the budget. Until that client has reached a broker
    (the service is starting, or cannot), the bootstrap servers are asked once on a client
    of the probe's own, so the answer still says whether Kafka is reachable and why not.
    """

    async def metadata(timeout_s: float) -> None:
        kafka = client()
        async with asyncio.timeout(timeout_s):
            if kafka is not None and kafka.cluster.brokers():
                await kafka.fetch_all_metadata()
            else:
                await _bootstrap_once(bootstrap, timeout_s)

    return metadata


async def _bootstrap_once(bootstrap: str, timeout_s: float) -> None:
    probe = AIOKafkaClient(
        bootstrap_servers=bootstrap,
        client_id="waymark-readiness",
        request_timeout_ms=max(100, int(timeout_s * 1000)),
    )
    try:
        await probe.bootstrap()
    finally:
        await probe.close()
