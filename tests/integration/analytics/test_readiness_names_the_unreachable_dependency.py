"""/readyz of analytics tells the truth: 503 naming MongoDB or Kafka while it cannot reach
them and why, 200 again once they answer (same process), while /healthz stays 200.

The service reaches the shared FerretDB or broker through a loopback relay the test closes
(nothing listens, connections are cut) and opens again; the shared servers keep running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from served.probes import over_http, readiness_until
from served.relay import Relay

from waymark.core.settings import KafkaSettings

from .support import AnalyticsProcess

pytestmark = pytest.mark.timeout(180)

ALL_OK = {
    "ready": True,
    "checks": {"mongo": "ok", "kafka": "ok", "catalog": "ok", "consumer": "ok"},
}


async def _answer(analytics: AnalyticsProcess, path: str) -> tuple[int, Any]:
    return await over_http(analytics.url)(path)


def _alive(analytics: AnalyticsProcess) -> None:
    assert analytics.proc is not None
    assert analytics.proc.poll() is None, f"analytics exited:\n{analytics.log_tail()}"


async def _readiness_until(
    analytics: AnalyticsProcess, done: Callable[[int, Any], bool]
) -> tuple[int, Any]:
    return await readiness_until(
        over_http(analytics.url),
        done,
        within=90,
        alive=lambda: _alive(analytics),
        tail=analytics.log_tail,
    )


async def test_mongodb_going_away_and_back_is_reported_without_a_restart(
    make_analytics: Callable[..., AnalyticsProcess], mongo_url: str
) -> None:
    server = urlsplit(mongo_url)
    with Relay(f"{server.hostname}:{server.port}") as relay:
        relay.open()
        analytics = make_analytics(mongo_url=f"mongodb://{relay.address}/")
        assert await _readiness_until(analytics, lambda s, _: s == 200) == (200, ALL_OK)

        relay.close()
        _, body = await _readiness_until(analytics, lambda s, _: s == 503)
        assert body["ready"] is False
        assert body["checks"]["mongo"].startswith("unreachable: ")
        assert relay.address in body["checks"]["mongo"]
        assert body["checks"]["kafka"] == "ok"
        assert await _answer(analytics, "/healthz") == (200, {"status": "ok"})

        relay.open()
        assert await _readiness_until(analytics, lambda s, _: s == 200) == (200, ALL_OK)


async def test_a_broker_unreachable_at_start_is_named_until_it_answers(
    make_analytics: Callable[..., AnalyticsProcess], kafka_topics: KafkaSettings
) -> None:
    with Relay(kafka_topics.bootstrap) as relay:  # closed: nothing listens on its port yet
        kafka = kafka_topics.model_copy(update={"bootstrap": relay.address})
        analytics = make_analytics(kafka=kafka)
        _, body = await _readiness_until(analytics, lambda s, _: s == 503)
        assert body["checks"]["kafka"].startswith("unreachable: ")
        assert str(relay.port) in body["checks"]["kafka"]
        assert body["checks"]["mongo"] == "ok"
        assert await _answer(analytics, "/healthz") == (200, {"status": "ok"})

        relay.open()
        assert await _readiness_until(analytics, lambda s, _: s == 200) == (200, ALL_OK)
