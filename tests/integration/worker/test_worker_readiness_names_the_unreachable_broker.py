"""/readyz of the engine worker tells the truth: 503 naming `kafka` and why while the broker
cannot be reached, 200 once it answers (same process, not restarted), /healthz 200 throughout.

The broker is made unreachable for real, without stopping the shared one: the worker is given
a loopback relay as its bootstrap server, which the test keeps closed (nothing listens) and then
opens, or a listener that accepts and never answers. Only before the worker has connected: the
broker's metadata advertises its own address, so once connected the worker's clients talk to
the broker directly and closing the relay would cut nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from served.probes import over_http, readiness_until
from served.relay import Relay

from waymark.core.settings import KafkaSettings

from .harness import WorkerProcess

pytestmark = pytest.mark.timeout(180)

ALL_OK = {"ready": True, "checks": {"kafka": "ok", "catalog": "ok", "partitions": "ok"}}


async def _probe(worker: WorkerProcess, path: str) -> tuple[int, Any]:
    return await over_http(f"http://127.0.0.1:{worker.port}")(path)


def _alive(worker: WorkerProcess) -> None:
    assert worker.proc is not None
    assert worker.proc.poll() is None, worker.log_tail()


async def _readiness_until(
    worker: WorkerProcess, done: Callable[[int, Any], bool]
) -> tuple[int, Any]:
    ask = over_http(f"http://127.0.0.1:{worker.port}")
    return await readiness_until(ask, done, alive=lambda: _alive(worker), tail=worker.log_tail)


def _worker(kafka: KafkaSettings, unique: str, tmp_path: Path) -> WorkerProcess:
    return WorkerProcess(
        kafka, app_id=f"engine-{unique}", data_dir=tmp_path / "w", log_path=tmp_path / "w.log"
    )


async def test_a_broker_unreachable_at_start_is_named_until_it_answers(
    kafka_topics: KafkaSettings, unique: str, tmp_path: Path
) -> None:
    with Relay(kafka_topics.bootstrap) as relay:  # closed: nothing listens on its port yet
        kafka = kafka_topics.model_copy(update={"bootstrap": relay.address})
        worker = _worker(kafka, unique, tmp_path).start()
        try:
            _, body = await _readiness_until(worker, lambda s, _: s == 503)
            assert body["ready"] is False
            assert body["checks"]["kafka"].startswith("unreachable: ")
            assert str(relay.port) in body["checks"]["kafka"]
            assert body["checks"]["catalog"] == "loading"
            assert body["checks"]["partitions"] == "not assigned yet"
            assert await _probe(worker, "/healthz") == (200, {"status": "ok"})
            await asyncio.sleep(3)  # a few start-up attempts fail meanwhile
            assert worker.proc is not None
            assert worker.proc.poll() is None, "it must wait for the broker, not exit"

            relay.open()
            assert await _readiness_until(worker, lambda s, _: s == 200) == (200, ALL_OK)
        finally:
            worker.kill()


async def test_a_broker_that_hangs_is_named_within_the_probe_budget(
    kafka_topics: KafkaSettings, unique: str, tmp_path: Path
) -> None:
    with Relay(None) as silent:  # accepts connections, never answers
        silent.open()
        kafka = kafka_topics.model_copy(update={"bootstrap": silent.address})
        worker = _worker(kafka, unique, tmp_path).start()
        try:
            # Each answer comes within the client's 10 s although the broker never answers.
            _, body = await _readiness_until(worker, lambda s, _: s == 503)
            assert body["checks"]["kafka"] == "unreachable: no answer within 1 s"
            assert await _probe(worker, "/healthz") == (200, {"status": "ok"})
        finally:
            worker.kill()
