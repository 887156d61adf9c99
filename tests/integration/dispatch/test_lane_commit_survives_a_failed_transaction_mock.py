"""A lane whose commit fails goes on: it tries again, first replacing a producer that gave up.

The commit failures are mocks, named so: aiokafka's transactional sender dies only when a
connection drops at one moment of a coordinator lookup, and a broker answers a commit with a
timeout only under load; a test cannot cause either on purpose. The mock makes the lane's real
producer fail one commit the way it fails then. The broker, FerretDB, the sinks, the new
producer and the outcomes are real.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka.errors import KafkaError, RequestTimedOutError

from waymark.channel_dispatch.sinks import Sinks
from waymark.core.settings import KafkaSettings, MongoSettings

from .support import (
    Outcomes,
    by_command,
    command,
    dispatch_settings,
    produce,
    running,
    store_templates,
    template,
)

N = 30


@pytest.mark.parametrize(
    ("failure", "replaced"),
    [
        (KafkaError("Unexpected error during batch delivery"), True),
        (RequestTimedOutError("the broker did not answer in time"), False),
    ],
    ids=["sender_gave_up", "retriable_timeout"],
)
async def test_a_failed_commit_is_tried_again_and_every_command_reports_once(
    failure: KafkaError,
    replaced: bool,
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await store_templates(mongo_db, template("receipt"))
    settings = dispatch_settings(sinks, unique, lanes="transactional")
    commands = [command(i) for i in range(N)]
    async with (
        Outcomes(kafka_topics) as outcomes,
        running(settings, kafka_topics, mongo_settings) as service,
    ):
        (lane,) = service.lanes
        first = lane.producer
        real = first.send_offsets_to_transaction
        failures = [failure]

        async def mock_commit_that_fails_once(*args: Any, **kwargs: Any) -> Any:
            if failures:
                raise failures.pop()
            return await real(*args, **kwargs)

        monkeypatch.setattr(first, "send_offsets_to_transaction", mock_commit_that_fails_once)
        await produce(kafka_topics, commands)
        await outcomes.count(N, within=90)
        await outcomes.settle(2.0)
        assert not failures, "the commit never failed: the test proved nothing"
        assert (lane.producer is not first) is replaced

    print(f"injected {failure!r} at one commit; {len(outcomes.seen)} outcomes")
    assert len(sinks.mail.messages) == N
    grouped = by_command(outcomes.seen)
    assert set(grouped) == {c.command_id for c in commands}
    assert all(len(found) == 1 for found in grouped.values()), "one outcome per command"
    assert all(found[0].status == "sent" for found in grouped.values())
