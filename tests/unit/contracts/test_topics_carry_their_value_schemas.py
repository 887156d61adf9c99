"""Each topic's values have one schema, under any prefix, and the topic lists agree."""

from __future__ import annotations

import pytest

from waymark.core.adapters.kafka.topics import Topic
from waymark.core.contracts import MODELS, AvroCodec, CodecError
from waymark.core.contracts.topics import (
    EVENTS,
    VALUE_SCHEMAS,
    logical_topic,
    topic_of_subject,
    value_subject,
)

from .conftest import full_records


def test_the_contract_topics_are_the_kafka_topics() -> None:
    assert set(VALUE_SCHEMAS) == {topic.value for topic in Topic}


def test_every_value_schema_has_a_model() -> None:
    assert set(VALUE_SCHEMAS.values()) == set(MODELS)


def test_subjects_follow_the_topic_name_strategy() -> None:
    assert value_subject(EVENTS) == "waymark.events.v1-value"
    assert topic_of_subject("waymark.events.v1-value") == EVENTS
    assert topic_of_subject("waymark.events.v1-key") is None


def test_prefixed_names_map_to_their_logical_topic() -> None:
    assert logical_topic("t0a1b2c3d4.waymark.events.v1") == EVENTS
    assert logical_topic(EVENTS) == EVENTS
    assert logical_topic("waymark.events.v1.dlq") is None
    assert logical_topic("xwaymark.events.v1") is None


def test_codec_encodes_for_prefixed_topics_and_subjects(codec: AvroCodec) -> None:
    event = full_records()[0]
    expected = codec.encode_model(event)
    assert codec.encode("t0a1b2c3d4.waymark.events.v1", event) == expected
    assert codec.encode("t0a1b2c3d4.waymark.events.v1-value", event) == expected
    with pytest.raises(CodecError, match="no schema to encode"):
        codec.encode("t0a1b2c3d4.waymark.events.v1.dlq", event)
