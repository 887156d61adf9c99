"""A process whose ledger has a database of its own still sends each command once.

On FerretDB with SQLite each database has its own writer: a transactional lane that keeps its
claims and results apart never waits behind a marketing drain's writes.
"""

from __future__ import annotations

from typing import Any

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

N = 25


async def test_claims_and_results_go_to_the_ledger_database_and_duplicates_still_drop(
    kafka_topics: KafkaSettings,
    mongo_db: Any,
    mongo_settings: MongoSettings,
    sinks: Sinks,
    unique: str,
) -> None:
    await store_templates(mongo_db, template("receipt"))
    ledger_name = f"{mongo_db.name}_ledger"
    ledger_db = mongo_db.client[ledger_name]
    settings = dispatch_settings(sinks, unique, lanes="transactional", ledger_database=ledger_name)
    commands = [command(i) for i in range(N)]
    try:
        async with Outcomes(kafka_topics) as outcomes:
            async with running(settings, kafka_topics, mongo_settings):
                await produce(kafka_topics, commands + commands)
                await outcomes.count(N)
                owners = await mongo_db["dispatch_owners"].count_documents({})
            # A replay to a restarted process: its ledger is the same database.
            async with running(settings, kafka_topics, mongo_settings):
                await produce(kafka_topics, commands)
                await outcomes.settle(3.0)
        claims = await ledger_db["dispatch_claims"].count_documents({})
        results = await ledger_db["dispatch_results"].count_documents({})
        main_claims = await mongo_db["dispatch_claims"].count_documents({})
    finally:
        await mongo_db.client.drop_database(ledger_name)

    assert (claims, results, main_claims) == (N, N, 0)
    assert owners == 1, "heartbeats stay in the main database, where every process looks"
    assert len(sinks.mail.messages) == N
    grouped = by_command(outcomes.seen)
    assert set(grouped) == {c.command_id for c in commands}
    assert all(len(found) == 1 for found in grouped.values()), "one outcome per command"
