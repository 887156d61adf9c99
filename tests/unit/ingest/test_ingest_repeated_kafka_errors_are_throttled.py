"""During a broker outage a repeated client log message passes once per interval, not per try."""

from __future__ import annotations

import logging

from waymark.trigger_ingest.log_throttle import (
    KAFKA_CLIENT_LOGGERS,
    RepeatThrottle,
    throttle_kafka_client_logs,
)


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("aiokafka", logging.ERROR, __file__, 1, msg, args, None)


def test_a_repeated_message_passes_once_per_interval() -> None:
    throttle = RepeatThrottle(interval=60)
    repeated = [throttle.filter(_record("Unable connect to node %s: %s", 1, n)) for n in range(50)]
    assert repeated == [True] + [False] * 49
    assert throttle.filter(_record("Unable to update metadata from %s", [1]))


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_kafka_client_logger_is_throttled() -> None:
    kept = _Kept()
    client_log = logging.getLogger("aiokafka")
    client_log.addHandler(kept)
    throttle = throttle_kafka_client_logs(interval=60)
    try:
        for n in range(100):
            client_log.error("Unable connect to node with id %s: %s", 1, n)
    finally:
        client_log.removeHandler(kept)
        for name in KAFKA_CLIENT_LOGGERS:
            logging.getLogger(name).removeFilter(throttle)
    assert len(kept.records) == 1
