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


# journey-engine api
API_REQUESTS = Counter(
    "waymark_engine_api_requests_total",
    "Requests to the journey-engine API, by method, route template and status code.",
    ["method", "route", "status"],
)
API_REQUEST_SECONDS = Histogram(
    "waymark_engine_api_request_seconds",
    "Time to answer a journey-engine API request, by method and route template.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
JOURNEY_RECORDS_PUBLISHED = Counter(
    "waymark_journey_records_published_total",
    "JourneyVersion records acknowledged on waymark.journeys.v1, by reason "
    "(version, status, repair).",
    ["reason"],
)
API_PUBLISH_FAILURES = Counter(
    "waymark_journey_publish_failures_total",
    "JourneyVersion records saved in MongoDB but not acknowledged by the broker (repaired later).",
)
API_TEST_SENDS = Counter(
    "waymark_engine_api_test_sends_total",
    "Test SendCommands produced by the journey-engine API.",
)

# trigger-ingest
INGEST_REQUESTS = Counter(
    "waymark_ingest_requests_total",
    "HTTP requests to trigger-ingest, by route template and status code.",
    ["route", "status"],
)
INGEST_EVENTS = Counter(
    "waymark_ingest_events_total",
    "Records acknowledged by the broker, by type (identify, track, consent, api_trigger, outcome).",
    ["type"],
)
INGEST_REJECTED = Counter(
    "waymark_ingest_rejected_events_total",
    "Events turned away, by reason (invalid, too_large, future_timestamp, batch_rejected, "
    "unauthorized, bad_signature, stale_signature, replayed, unavailable, buffer_full, ...).",
    ["reason"],
)
INGEST_IGNORED = Counter(
    "waymark_ingest_webhook_ignored_total",
    "Provider webhook events accepted but carrying nothing to record (e.g. queued), by provider.",
    ["provider"],
)
INGEST_PENDING = Gauge(
    "waymark_ingest_pending_records",
    "Records handed to the producer and not yet acknowledged or failed.",
)
INGEST_PRODUCER_CONNECTED = Gauge(
    "waymark_ingest_producer_connected",
    "1 while trigger-ingest's producer reaches the broker, else 0.",
)


def render_metrics(registry: CollectorRegistry = DEFAULT_REGISTRY) -> tuple[bytes, str]:
    """The Prometheus text exposition of `registry` and its content type, for `/metrics`."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
