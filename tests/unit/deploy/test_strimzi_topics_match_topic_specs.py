"""The Strimzi topics are `topic_specs()`: the table `waymark topics ensure` creates from."""

from __future__ import annotations

from typing import Any

import pytest

from waymark.core.adapters.kafka.topics import topic_specs

from .conftest import load_generator

REPLICATION = {"dev": 1, "prod": 3}


def as_specs(resources: list[dict[str, Any]]) -> list[tuple[str, int, int, dict[str, str]]]:
    """The rendered KafkaTopics as (name, partitions, replicas, configs)."""
    return [
        (
            r["spec"]["topicName"],
            r["spec"]["partitions"],
            r["spec"]["replicas"],
            {k: str(v) for k, v in r["spec"]["config"].items()},
        )
        for r in resources
        if r["kind"] == "KafkaTopic"
    ]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_rendered_topics_equal_topic_specs(rendered: dict[str, Any], overlay: str) -> None:
    expected = [
        (s.name, s.partitions, s.replication_factor, s.configs)
        for s in topic_specs("", 6, REPLICATION[overlay])
    ]
    assert sorted(as_specs(rendered[overlay])) == sorted(expected)


def test_shared_config_matches_the_topics(rendered: dict[str, Any]) -> None:
    for overlay, replicas in REPLICATION.items():
        shared = next(
            r["data"]
            for r in rendered[overlay]
            if r["kind"] == "ConfigMap" and r["metadata"]["name"] == "waymark-shared"
        )
        assert shared["WAYMARK_KAFKA_REPLICATION_FACTOR"] == str(replicas)
        assert shared["WAYMARK_KAFKA_PARTITIONS"] == "6"


def test_committed_files_are_what_the_generator_writes() -> None:
    generator = load_generator()
    for path, text in generator.rendered().items():
        assert path.read_text() == text, f"{path.name} is stale: run python deploy/k8s/generate.py"


def test_prometheus_rule_holds_every_rule_file_group(rendered: dict[str, Any]) -> None:
    generator = load_generator()
    expected = generator.rule_groups()
    (rule,) = [r for r in rendered["prod"] if r["kind"] == "PrometheusRule"]
    assert [g["name"] for g in rule["spec"]["groups"]] == [g["name"] for g in expected]
    assert rule["spec"]["groups"] == expected
