"""The compacted changelog of customer states: created when missing, read into the store."""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from waymark.core.settings import KafkaSettings
from waymark.journey_engine.worker.store import StateStore

__all__ = ["changelog_topic", "ensure_changelog", "restore"]

log = structlog.get_logger(__name__)


def changelog_topic(app_id: str) -> str:
    """The compacted topic holding every customer state of the workers sharing `app_id`."""
    return f"{app_id}-customers-changelog"


async def ensure_changelog(kafka: KafkaSettings, name: str) -> None:
    """Create the changelog topic (compacted, one partition per input partition) if missing."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        if name in set(await admin.list_topics()):
            return
        topic = NewTopic(
            name,
            kafka.partitions,
            kafka.replication_factor,
            topic_configs={"cleanup.policy": "compact"},
        )
        try:
            await admin.create_topics([topic])
        except KafkaError as exc:  # another worker created it first
            log.info("changelog topic exists", error=str(exc))
    finally:
        await admin.close()


async def restore(
    kafka: KafkaSettings, name: str, store: StateStore, partitions: Iterable[int]
) -> int:
    """Read each partition from the offset `store` holds to its end; the records read."""
    tps = [TopicPartition(name, p) for p in sorted(partitions)]
    if not tps:
        return 0
    reader = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap, enable_auto_commit=False, group_id=None
    )
    await reader.start()
    restored = 0
    try:
        reader.assign(tps)
        ends = await reader.end_offsets(tps)
        todo = {}
        for tp in tps:
            known = store.offset(tp.partition)
            start = 0 if known is None else known + 1
            if start < ends[tp]:
                reader.seek(tp, start)
                todo[tp] = ends[tp]
        while todo:
            batch = await reader.getmany(*todo, timeout_ms=500, max_records=5000)
            states: dict[bytes, bytes] = {}
            offsets: dict[int, int] = {}
            for tp, records in batch.items():
                for record in records:
                    if record.key is not None and record.value is not None:
                        states[record.key] = record.value
                    offsets[tp.partition] = record.offset
                restored += len(records)
            store.write(states, offsets)
            for tp in list(todo):
                if await reader.position(tp) >= todo[tp]:
                    del todo[tp]
    finally:
        await reader.stop()
    return restored
