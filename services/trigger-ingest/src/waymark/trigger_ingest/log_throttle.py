"""A logging filter that lets a repeated library message through once per interval.

While the broker is down, aiokafka logs every failed connection attempt at ERROR, thousands of
times a second when records are waiting; one line per message per interval says the same.
"""

from __future__ import annotations

import logging
import time

__all__ = ["KAFKA_CLIENT_LOGGERS", "RepeatThrottle", "throttle_kafka_client_logs"]


class RepeatThrottle(logging.Filter):
    """Passes a message (by logger and format string) at most once per `interval` seconds."""

    def __init__(self, interval: float = 10.0) -> None:
        """Remember when each message last passed."""
        super().__init__()
        self._interval = interval
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """True when the message has not passed within the interval."""
        key = (record.name, str(record.msg))
        now = time.monotonic()
        if now - self._last.get(key, -self._interval) < self._interval:
            return False
        if len(self._last) > 1000:
            self._last.clear()
        self._last[key] = now
        return True


KAFKA_CLIENT_LOGGERS = ("aiokafka", "aiokafka.conn", "aiokafka.producer.sender")


def throttle_kafka_client_logs(interval: float = 10.0) -> RepeatThrottle:
    """Throttle the aiokafka loggers that repeat themselves during a broker outage."""
    shared = RepeatThrottle(interval)
    for name in KAFKA_CLIENT_LOGGERS:
        logging.getLogger(name).addFilter(shared)
    return shared
