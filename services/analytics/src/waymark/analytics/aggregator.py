"""Applies a batch of decoded records to the aggregates; the live consumer and `rebuild` share it.

Idempotency design (why a crash anywhere double-counts nothing and loses nothing):

- Every count is a `$group` over fact documents whose `_id` is the record's own id
  (transition_id, outcome_id, `message|status`, `journey|event_id`). Inserting a fact *is*
  counting it, in one atomic write; a second insert of the same id is refused by the `_id`
  index. There is no separate "seen" claim that a crash could leave without its increment, nor
  an increment that could be applied twice.
- A batch writes transition facts, outcome facts, message statuses and goal hits, in that
  order, and only then are its offsets committed. A crash before the commit re-delivers the
  batch: facts already inserted are refused (and not counted again), facts not yet inserted
  are inserted now. No write is skipped because an earlier one found its fact already there;
  only the Prometheus counters depend on a fact being new, and they count in this process only.
- The price: counts are computed when asked (`$group` over the facts, indexed by journey),
  not kept as counters, since FerretDB has no transactions to tie a claim to an increment.
- Instances are counted the same way: each transition fact carries its instance's move (where
  it came from, where it went; see `instances`), inserted with the fact in one write. The
  "from" is the position of the instance's previous transition, kept in memory (`Positions`):
  loaded from the facts before the first batch and after a rebalance, advanced only once a
  batch's facts are all in. A crash loses only the memory, which the facts rebuild; a
  re-delivered batch or an engine replay walks its copies in order, so the next new transition
  comes from its true predecessor. Nothing is updated or deleted: on FerretDB every update or
  delete reads the whole collection, which made each batch cost every instance ever seen.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from waymark.analytics.catalog import JourneyCatalog
from waymark.analytics.documents import (
    GOAL_HITS,
    MESSAGE_STATUSES,
    OUTCOMES,
    TRANSITIONS,
    goal_hit_document,
    message_status_documents,
    outcome_document,
    transition_document,
)
from waymark.analytics.instances import Positions
from waymark.analytics.latency import SendLatency
from waymark.analytics.store import Store
from waymark.core.contracts import CustomerEvent, DispatchOutcome, JourneyTransition
from waymark.core.observability.metrics import (
    ANALYTICS_APPLY_SECONDS,
    ANALYTICS_CONVERSIONS,
    ANALYTICS_ENTRIES,
    ANALYTICS_EVENT_TO_SEND_SECONDS,
    ANALYTICS_EXITS,
    ANALYTICS_GOAL_EVENTS,
    ANALYTICS_MESSAGES,
    ANALYTICS_STEP_FAILURES,
    ANALYTICS_SUPPRESSIONS,
)

__all__ = ["Aggregator", "BatchResult", "Envelope", "Labels"]

Record = JourneyTransition | DispatchOutcome | CustomerEvent


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded record with its position (the offset orders facts of the same instant)."""

    partition: int
    offset: int
    record: Record


@dataclass(slots=True)
class BatchResult:
    """What one batch added: new facts per collection (duplicates are not counted)."""

    new: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0


class Labels:
    """Keeps metric labels bounded: unknown journeys and unseen reasons beyond a cap fold
    into `other`, and no label ever carries a customer id."""

    def __init__(self, catalog: JourneyCatalog, max_reasons: int = 64) -> None:
        self._catalog = catalog
        self._reasons: set[str] = set()
        self._max_reasons = max_reasons

    def journey(self, journey_id: str | None) -> tuple[str, str]:
        """(journey id, journey type) labels; a journey outside the catalog is `other`."""
        kind = self._catalog.journey_type(journey_id)
        return (journey_id or "other", kind) if kind != "unknown" else ("other", "unknown")

    def reason(self, reason: str | None) -> str:
        """A reason label: the first `max_reasons` distinct short reasons, then `other`."""
        if not reason:
            return "none"
        if reason in self._reasons:
            return reason
        if len(reason) > 40 or len(self._reasons) >= self._max_reasons:
            return "other"
        self._reasons.add(reason)
        return reason


class Aggregator:
    """Turns records into fact documents (transitions with their instance's move), then counts
    what was new."""

    def __init__(
        self, store: Store, catalog: JourneyCatalog, latency: SendLatency | None = None
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._labels = Labels(catalog)
        self._latency = latency
        self.positions = Positions()
        """Where each active instance is, as far as the facts applied so far tell."""

    async def load_positions(self) -> None:
        """Read every active instance's position from the facts: before the first batch of a
        database that may hold facts, and after a rebalance (the partitions' previous owner
        moved their instances). A rebuild into an empty database needs none."""
        await self.positions.load(self._store.database)

    async def apply(self, envelopes: Sequence[Envelope]) -> BatchResult:
        """Apply one batch (records of a partition in offset order); idempotent as a whole."""
        started = time.perf_counter()
        transitions = [e for e in envelopes if isinstance(e.record, JourneyTransition)]
        outcomes = [
            e for e in envelopes if isinstance(e.record, DispatchOutcome) and not e.record.test
        ]
        events = [e.record for e in envelopes if isinstance(e.record, CustomerEvent)]
        result = BatchResult()
        if self._latency is not None:
            for event in events:
                self._latency.event(event)
        await self._transitions(transitions, result)
        await self._outcomes(outcomes, result)
        await self._goal_hits(events, result)
        ANALYTICS_APPLY_SECONDS.observe(time.perf_counter() - started)
        return result

    async def _transitions(self, envelopes: list[Envelope], result: BatchResult) -> None:
        pairs = [(e.record, e.offset) for e in envelopes if isinstance(e.record, JourneyTransition)]
        if not pairs:
            return
        records = [record for record, _ in pairs]
        moves = self.positions.moves(records)
        documents = [
            transition_document(record, offset) | move
            for (record, offset), move in zip(pairs, moves, strict=True)
        ]
        new = await self._store.insert_new(TRANSITIONS, documents)
        # Only once every fact is in: a failed insert is retried with the same batch, which
        # must find the memory as it was to compute the same moves.
        self.positions.advance(records)
        self._count(result, TRANSITIONS, len(new), len(documents))
        for record in records:
            if self._latency is not None:
                self._latency.decided(record)
            if record.transition_id in new:
                new.discard(record.transition_id)  # a copy later in the batch is no news
                self._observe_transition(record)

    def _observe_transition(self, record: JourneyTransition) -> None:
        journey_id, journey_type = self._labels.journey(record.journey_id)
        kind = record.kind
        if kind == "entered":
            ANALYTICS_ENTRIES.labels(journey_id, journey_type).inc()
        elif kind == "converted":
            ANALYTICS_CONVERSIONS.labels(journey_id, journey_type).inc()
        elif kind == "exited":
            reason = self._labels.reason(record.reason)
            ANALYTICS_EXITS.labels(journey_id, journey_type, reason).inc()
        elif kind == "suppressed":
            reason = self._labels.reason(record.reason)
            ANALYTICS_SUPPRESSIONS.labels(journey_id, journey_type, reason).inc()
        elif kind == "step_failed":
            reason = self._labels.reason(record.reason)
            ANALYTICS_STEP_FAILURES.labels(journey_id, journey_type, reason).inc()

    async def _outcomes(self, envelopes: list[Envelope], result: BatchResult) -> None:
        pairs = [(e.record, e.offset) for e in envelopes if isinstance(e.record, DispatchOutcome)]
        if not pairs:
            return
        records = [record for record, _ in pairs]
        documents = [outcome_document(record, offset) for record, offset in pairs]
        new = await self._store.insert_new(OUTCOMES, documents)
        self._count(result, OUTCOMES, len(new), len(documents))
        # Inserted whether or not the outcome was new: a crash may have come in between.
        statuses = [doc for r in records for doc in message_status_documents(r)]
        new_statuses = await self._store.insert_new(MESSAGE_STATUSES, statuses)
        self._count(result, MESSAGE_STATUSES, len(new_statuses), len(statuses))
        for doc in statuses:
            if doc["_id"] in new_statuses:
                new_statuses.discard(doc["_id"])
                journey_id, journey_type = self._labels.journey(doc["journey_id"])
                ANALYTICS_MESSAGES.labels(
                    journey_id, journey_type, doc["channel"], doc["status"]
                ).inc()
        if self._latency is not None:
            for record in records:
                if record.outcome_id not in new:
                    continue
                new.discard(record.outcome_id)
                seconds = self._latency.sent(record)
                if seconds is not None:
                    journey_type = self._labels.journey(record.journey_id)[1]
                    ANALYTICS_EVENT_TO_SEND_SECONDS.labels(journey_type, record.channel).observe(
                        seconds
                    )

    async def _goal_hits(self, events: list[CustomerEvent], result: BatchResult) -> None:
        documents = [
            goal_hit_document(journey_id, event)
            for event in events
            for journey_id in self._catalog.goal_journeys(event)
        ]
        if not documents:
            return
        new = await self._store.insert_new(GOAL_HITS, documents)
        self._count(result, GOAL_HITS, len(new), len(documents))
        for doc in documents:
            if doc["_id"] in new:
                new.discard(doc["_id"])
                ANALYTICS_GOAL_EVENTS.labels(*self._labels.journey(doc["journey_id"])).inc()

    @staticmethod
    def _count(result: BatchResult, collection: str, new: int, total: int) -> None:
        result.new[collection] = result.new.get(collection, 0) + new
        result.duplicates += total - new
