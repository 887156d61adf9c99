"""`waymark topics ensure` creates every topic once, then changes nothing, and reports drift."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from waymark.core.adapters.kafka.topics import Topic, topic_specs


def _ensure(bootstrap: str, prefix: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "waymark"),
            "topics",
            "ensure",
            "--bootstrap",
            bootstrap,
            "--prefix",
            prefix,
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_ensure_twice_changes_nothing_the_second_time(
    kafka_bootstrap: str, unique: str
) -> None:
    prefix = f"t{unique}."
    first = _ensure(kafka_bootstrap, prefix, "--partitions", "2")
    assert first.returncode == 0, first.stderr
    specs = topic_specs(prefix, partitions=2)
    assert sorted(
        line.split()[1] for line in first.stdout.splitlines() if line.startswith("created")
    ) == sorted(s.name for s in specs)

    second = _ensure(kafka_bootstrap, prefix, "--partitions", "2")
    assert second.returncode == 0, second.stderr
    assert "created" not in second.stdout
    assert second.stdout.count("unchanged") == len(specs)

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = {d["topic"]: d for d in await admin.describe_topics([s.name for s in specs])}
        assert len(described[f"{prefix}{Topic.EVENTS.value}"]["partitions"]) == 2
        assert len(described[f"{prefix}{Topic.JOURNEYS.value}"]["partitions"]) == 1

        drift = _ensure(kafka_bootstrap, prefix, "--partitions", "4")
        assert drift.returncode == 1
        assert f"{prefix}{Topic.EVENTS.value}: partitions is 2, expected 4" in drift.stderr
    finally:
        await admin.delete_topics([s.name for s in specs])
        await admin.close()


async def test_journeys_topic_is_compacted(kafka_topics: object, kafka_bootstrap: str) -> None:
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    prefix = kafka_topics.topic_prefix  # type: ignore[attr-defined]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        name = f"{prefix}{Topic.JOURNEYS.value}"
        entries: dict[str, str] = {}
        # Right after creation a broker may describe the topic before its configs are known.
        for _ in range(50):
            [response] = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name)]
            )
            entries = {e[0]: e[1] for e in response.resources[0][4]}
            if "cleanup.policy" in entries:
                break
            await asyncio.sleep(0.2)
        assert entries.get("cleanup.policy") == "compact", entries
        assert entries["retention.ms"] == "-1"
    finally:
        await admin.close()
