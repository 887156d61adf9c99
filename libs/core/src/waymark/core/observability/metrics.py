"""Every Waymark metric, declared once, prefixed `waymark_`, with bounded labels only.

Labels are journey ids and types, channels, statuses, reasons, topics and lanes — never a
customer id, an address or anything else without a small upper bound.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

__all__ = [
    "CONTENT_TYPE_LATEST",
    "DLQ_RECORDS",
    "INPUTS",
    "render_metrics",
]

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

# Shared by every consumer.
DLQ_RECORDS = Counter(
    "waymark_dlq_records_total",
    "Records sent to a dead-letter topic, by source topic and reason class.",
    ["topic", "reason"],
)
INPUTS = Counter(
    "waymark_consumer_records_total",
    "Records consumed, by topic and result (ok, dlq, duplicate).",
    ["service", "topic", "result"],
)
CONSUMER_LAG = Gauge(
    "waymark_consumer_lag",
    "Records between the committed offset and the end of the partition.",
    ["service", "topic", "partition"],
)
PRODUCE_LATENCY = Histogram(
    "waymark_produce_latency_seconds",
    "Time from send to broker acknowledgement.",
    ["service", "topic"],
    buckets=_LATENCY_BUCKETS,
)


def render_metrics(registry: CollectorRegistry = DEFAULT_REGISTRY) -> tuple[bytes, str]:
    """The Prometheus text exposition of `registry` and its content type, for `/metrics`."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
