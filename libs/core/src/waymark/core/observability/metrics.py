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


# journey-engine worker
ENGINE_INPUTS = Counter(
    "waymark_engine_inputs_total",
    "Inputs decided by the engine, by input type and result.",
    ["type", "result"],
)
ENGINE_DECISION_SECONDS = Histogram(
    "waymark_engine_decision_seconds",
    "Time decide() took for one input.",
    buckets=(0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.005, 0.01, 0.05),
)
ENGINE_COMMANDS = Counter(
    "waymark_engine_commands_total",
    "Send commands emitted, by lane (marketing, transactional).",
    ["lane"],
)
ENGINE_LIVE_INSTANCES = Gauge(
    "waymark_engine_live_instances",
    "Journey instances alive in the customers this worker owns.",
)
ENGINE_TIMERS_PENDING = Gauge(
    "waymark_engine_timers_pending",
    "Waits with a due time in the customers this worker owns.",
)
ENGINE_TIMERS_FIRED = Counter(
    "waymark_engine_timers_fired_total",
    "Timers that came due and were sent as ticks.",
)

# channel-dispatch
DISPATCH_OUTCOMES = Counter(
    "waymark_dispatch_outcomes_total",
    "Terminal outcomes published, by lane, channel, status and reason class.",
    ["lane", "channel", "status", "reason"],
)
DISPATCH_DUPLICATES = Counter(
    "waymark_dispatch_duplicates_total",
    "Records dropped because another record already claimed their command id.",
    ["lane"],
)
DISPATCH_RECOVERED = Counter(
    "waymark_dispatch_recovered_claims_total",
    "Claims found without a result after a crash: resent with the key, or failed unknown.",
    ["channel", "action"],
)
DISPATCH_ATTEMPTS = Counter(
    "waymark_dispatch_send_attempts_total",
    "Send attempts per provider, by result (ok, retry, rejected, uncertain).",
    ["provider", "result"],
)
DISPATCH_SEND_SECONDS = Histogram(
    "waymark_dispatch_send_seconds",
    "Time of one provider call.",
    ["provider"],
    buckets=_LATENCY_BUCKETS,
)
DISPATCH_COMMAND_SECONDS = Histogram(
    "waymark_dispatch_command_seconds",
    "From the command's creation to its terminal result, by lane.",
    ["lane"],
    buckets=(*_LATENCY_BUCKETS, 5.0, 10.0, 30.0, 60.0),
)
DISPATCH_IN_FLIGHT = Gauge(
    "waymark_dispatch_in_flight",
    "Records fetched and not yet finished, by lane.",
    ["lane"],
)
DISPATCH_UNCOMMITTED = Gauge(
    "waymark_dispatch_uncommitted",
    "Finished records waiting for earlier ones before their offsets commit, by lane.",
    ["lane"],
)
DISPATCH_TRANSACTIONAL_DELAY = Gauge(
    "waymark_dispatch_transactional_delay",
    "The transactional lane's tail send latency above its floor, as a share of the floor.",
)
DISPATCH_MARKETING_PACE = Gauge(
    "waymark_dispatch_marketing_pace_per_second",
    "Marketing sends/s while it yields to delayed transactional sends; 0 when unpaced.",
)
DISPATCH_RATE_LIMIT = Gauge(
    "waymark_dispatch_rate_limit_per_second",
    "Current send rate allowed per provider (halved on 429, recovering).",
    ["provider"],
)
DISPATCH_CIRCUIT_STATE = Gauge(
    "waymark_dispatch_circuit_state",
    "Circuit breaker per provider: 0 closed, 1 half-open, 2 open.",
    ["provider"],
)
DISPATCH_TEMPLATE_MISSING = Counter(
    "waymark_dispatch_template_missing_variables_total",
    "Template variables that were undefined and rendered empty, by template.",
    ["template"],
)
DISPATCH_SUPPRESSIONS_ADDED = Counter(
    "waymark_dispatch_suppressions_added_total",
    "Addresses added to the suppression list, by channel and reason.",
    ["channel", "reason"],
)
DISPATCH_UNSUBSCRIBES = Counter(
    "waymark_dispatch_unsubscribes_total",
    "Unsubscribe link requests, by method (one_click, form) and result.",
    ["method", "result"],
)
DISPATCH_STORE_RETRIES = Counter(
    "waymark_dispatch_store_retries_total",
    "MongoDB operations of dispatch retried after lock contention or a lost connection.",
)

# analytics
# Counted once per record id: a replayed or redelivered record does not count again.
ANALYTICS_ENTRIES = Counter(
    "waymark_analytics_entries_total",
    "Journey entries (executions) seen on the transitions topic, by journey and type.",
    ["journey_id", "journey_type"],
)
ANALYTICS_CONVERSIONS = Counter(
    "waymark_analytics_conversions_total",
    "Journey conversions (goal reached inside the journey), by journey and type.",
    ["journey_id", "journey_type"],
)
ANALYTICS_EXITS = Counter(
    "waymark_analytics_exits_total",
    "Journey exits, by journey, type and reason (completed, goal, exit_when, holdout, ...).",
    ["journey_id", "journey_type", "reason"],
)
ANALYTICS_SUPPRESSIONS = Counter(
    "waymark_analytics_suppressions_total",
    "Sends the engine skipped, by journey, type and reason (no_consent, frequency_cap, ...).",
    ["journey_id", "journey_type", "reason"],
)
ANALYTICS_STEP_FAILURES = Counter(
    "waymark_analytics_step_failures_total",
    "Steps that failed, by journey, type and reason.",
    ["journey_id", "journey_type", "reason"],
)
ANALYTICS_MESSAGES = Counter(
    "waymark_analytics_messages_total",
    "Distinct messages reaching a status (sent, delivered, opened, ...), by journey, type "
    "and channel.",
    ["journey_id", "journey_type", "channel", "status"],
)
ANALYTICS_GOAL_EVENTS = Counter(
    "waymark_analytics_goal_events_total",
    "Customer events matching a journey's goal (both holdout arms), by journey and type.",
    ["journey_id", "journey_type"],
)
ANALYTICS_EVENT_TO_SEND_SECONDS = Histogram(
    "waymark_analytics_event_to_send_seconds",
    "From the time of the event that decided a send to the provider accepting it, by journey "
    "type and channel (sends decided directly by an event seen by this process).",
    ["journey_type", "channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
ANALYTICS_APPLY_SECONDS = Histogram(
    "waymark_analytics_batch_seconds",
    "Time to apply one consumed batch to the aggregates.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def render_metrics(registry: CollectorRegistry = DEFAULT_REGISTRY) -> tuple[bytes, str]:
    """The Prometheus text exposition of `registry` and its content type, for `/metrics`."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
