"""`WAYMARK_DISPATCH_LANES` picks the lanes one process consumes, so each lane can run in its
own pods (one Deployment per lane); anything else fails at start-up naming the variable."""

from __future__ import annotations

import pytest

from waymark.channel_dispatch.bootstrap import build_service
from waymark.channel_dispatch.settings import DispatchSettings
from waymark.core.settings import KafkaSettings, MongoSettings, SettingsError, load_settings


@pytest.mark.parametrize(
    ("value", "lanes"),
    [
        ("transactional", ("transactional",)),
        ("marketing", ("marketing",)),
        ("marketing,transactional", ("transactional", "marketing")),
        (None, ("transactional", "marketing")),
    ],
)
def test_lanes_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, lanes: tuple[str, ...]
) -> None:
    if value is None:
        monkeypatch.delenv("WAYMARK_DISPATCH_LANES", raising=False)
    else:
        monkeypatch.setenv("WAYMARK_DISPATCH_LANES", value)
    assert load_settings(DispatchSettings).lane_names == lanes


@pytest.mark.parametrize("value", ["", "promotional", "transactional;marketing", "all"])
def test_an_unknown_lane_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("WAYMARK_DISPATCH_LANES", value)
    with pytest.raises(SettingsError, match="WAYMARK_DISPATCH_LANES"):
        load_settings(DispatchSettings)


@pytest.mark.parametrize("lane", ["transactional", "marketing"])
async def test_a_one_lane_process_consumes_only_that_lane(lane: str) -> None:
    kafka = KafkaSettings(bootstrap="127.0.0.1:1", topic_prefix="unit.")
    service = build_service(
        settings=DispatchSettings(lanes=lane),
        kafka=kafka,
        mongo=MongoSettings(url="mongodb://127.0.0.1:1/", database="unit"),
    )
    try:
        assert [consuming.name for consuming in service.lanes] == [lane]
        assert len(service.consumers) == 1
    finally:
        for consumer in service.consumers:
            await consumer.stop()
        for producer in service.producers:
            await producer.stop()
        await service.mongo.close()
