"""Activating, editing and pausing put JourneyVersion records on the catalog topic."""

from __future__ import annotations

import hashlib
import json

import pytest

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import JourneyVersion, schema_id_of
from waymark.core.contracts.schema_ids import static_schema_id

from .support import Api, journey_document, journey_records, read_topic

pytestmark = pytest.mark.timeout(120)


async def test_each_publication_is_a_record_keyed_by_journey_and_version(api: Api) -> None:
    await api.create_templates("welcome-email", "nudge-sms")
    document = journey_document("topic-one")
    await api.as_role("editor", "POST", "/v1/journeys", json=document)
    await api.as_role("editor", "POST", "/v1/journeys/topic-one/activate")
    document["name"] = "Topic one, second edition"
    await api.as_role("editor", "PUT", "/v1/journeys/topic-one", json=document)
    await api.as_role("editor", "POST", "/v1/journeys/topic-one/pause")

    records = await journey_records(api.kafka, at_least=3)
    assert [(key, r.version, r.status) for key, r in records] == [
        ("topic-one/1", 1, "active"),
        ("topic-one/2", 2, "active"),
        # A status change republishes the latest version's record with the new status.
        ("topic-one/2", 2, "paused"),
    ]
    first, second = records[0][1], records[1][1]
    assert first.journey_id == "topic-one"
    assert first.type == "marketing"
    assert first.definition["name"] == "Journey topic-one"
    assert second.definition["name"] == "Topic one, second edition"
    # The checksum is SHA-256 of the canonical JSON (sorted keys, no spaces).
    canonical = json.dumps(second.definition, sort_keys=True, separators=(",", ":"))
    assert second.checksum == hashlib.sha256(canonical.encode()).hexdigest()
    assert records[2][1].published_at >= second.published_at

    stored = await api.as_role("viewer", "GET", "/v1/journeys/topic-one/versions/2")
    assert stored.json()["checksum"] == second.checksum

    # Confluent wire format with the registry-free static id of the JourneyVersion schema.
    raw = await read_topic(api.kafka, Topic.JOURNEYS, at_least=3)
    assert schema_id_of(raw[0][1]) == static_schema_id(JourneyVersion.SCHEMA)
