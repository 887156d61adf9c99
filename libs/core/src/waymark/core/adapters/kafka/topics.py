"""Every Waymark topic, its partitions and configs, and an idempotent `ensure_topics`.

This table is the one source of the topics: `waymark topics ensure`, the services and the
Kubernetes `KafkaTopic` resources are all derived from `topic_specs()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from waymark.core.contracts import topics as names

__all__ = [
    "EnsureReport",
    "Topic",
    "TopicMismatch",
    "TopicSpec",
    "ensure_topics",
    "topic_name",
    "topic_specs",
]

_DAY_MS = 24 * 3600 * 1000
_TOPIC_ALREADY_EXISTS = 36


class Topic(StrEnum):
    """The logical topics of DESIGN.md; `topic_name()` adds the deployment's prefix."""

    EVENTS = names.EVENTS
    OUTCOMES = names.OUTCOMES
    JOURNEYS = names.JOURNEYS
    COMMANDS_TRANSACTIONAL = names.COMMANDS_TRANSACTIONAL
    COMMANDS_MARKETING = names.COMMANDS_MARKETING
    TRANSITIONS = names.TRANSITIONS
    TICKS = names.TICKS


# Retention per topic: events are kept long enough for backtests over history.
_RETENTION_DAYS: dict[Topic, int] = {
    Topic.EVENTS: 30,
    Topic.OUTCOMES: 30,
    Topic.COMMANDS_TRANSACTIONAL: 7,
    Topic.COMMANDS_MARKETING: 7,
    Topic.TRANSITIONS: 30,
    Topic.TICKS: 7,
}
_DLQ_RETENTION_DAYS = 30
# The catalog of journey versions is compacted and kept forever: the latest value per key
# is the version the engine runs.
_JOURNEYS_PARTITIONS = 1


def topic_name(topic: Topic | str, prefix: str = "") -> str:
    """The physical name of `topic` under a deployment or test prefix."""
    value = topic.value if isinstance(topic, Topic) else topic
    return f"{prefix}{value}"


@dataclass(frozen=True)
class TopicSpec:
    """One topic as it must exist on the cluster."""

    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)


def topic_specs(
    prefix: str = "", partitions: int = 6, replication_factor: int = 1
) -> list[TopicSpec]:
    """Every topic with its DLQ, keyed topics sharing one partition count (co-partitioned)."""
    specs: list[TopicSpec] = []
    for topic in Topic:
        name = topic_name(topic, prefix)
        if topic is Topic.JOURNEYS:
            configs = {"cleanup.policy": "compact", "retention.ms": "-1"}
            specs.append(TopicSpec(name, _JOURNEYS_PARTITIONS, replication_factor, configs))
        else:
            retention = str(_RETENTION_DAYS[topic] * _DAY_MS)
            configs = {"cleanup.policy": "delete", "retention.ms": retention}
            specs.append(TopicSpec(name, partitions, replication_factor, configs))
        dlq = {"cleanup.policy": "delete", "retention.ms": str(_DLQ_RETENTION_DAYS * _DAY_MS)}
        specs.append(TopicSpec(f"{name}.dlq", partitions, replication_factor, dlq))
    return specs


@dataclass(frozen=True)
class TopicMismatch:
    """An existing topic that differs from its spec; never changed silently."""

    name: str
    setting: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.name}: {self.setting} is {self.actual}, expected {self.expected}"


@dataclass
class EnsureReport:
    """What `ensure_topics` did: created, found as specified, or found different."""

    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    mismatches: list[TopicMismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every topic now exists as specified."""
        return not self.mismatches


async def _existing_layout(
    admin: AIOKafkaAdminClient, names: list[str]
) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    partitions: dict[str, int] = {}
    for desc in await admin.describe_topics(names):
        if desc["error_code"] == 0:
            partitions[desc["topic"]] = len(desc["partitions"])
    configs: dict[str, dict[str, str]] = {}
    if partitions:
        resources = [ConfigResource(ConfigResourceType.TOPIC, n) for n in partitions]
        for response in await admin.describe_configs(resources):
            for resource in response.resources:
                _err, _msg, _type, name, entries = resource[:5]
                configs[name] = {entry[0]: entry[1] for entry in entries}
    return partitions, configs


async def ensure_topics(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> EnsureReport:
    """Create missing topics; report existing ones that differ in partitions or configs."""
    report = EnsureReport()
    existing = set(await admin.list_topics())
    missing = [s for s in specs if s.name not in existing]
    if missing:
        new = [
            NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.configs)
            for s in missing
        ]
        response = await admin.create_topics(new)
        for name, code, message in response.topic_errors:
            # A concurrent creator got there first: compare it like any existing topic.
            if code == _TOPIC_ALREADY_EXISTS:
                existing.add(name)
            elif code != 0:
                raise RuntimeError(f"creating topic {name} failed: {message} (error {code})")
            else:
                report.created.append(name)
    present = [s for s in specs if s.name in existing]
    if present:
        partitions, configs = await _existing_layout(admin, [s.name for s in present])
        for spec in present:
            before = len(report.mismatches)
            actual_partitions = partitions.get(spec.name, 0)
            if actual_partitions != spec.partitions:
                report.mismatches.append(
                    TopicMismatch(
                        spec.name, "partitions", str(spec.partitions), str(actual_partitions)
                    )
                )
            actual = configs.get(spec.name, {})
            for key, expected in spec.configs.items():
                if actual.get(key) != expected:
                    report.mismatches.append(
                        TopicMismatch(spec.name, key, expected, str(actual.get(key)))
                    )
            if len(report.mismatches) == before:
                report.unchanged.append(spec.name)
    return report
