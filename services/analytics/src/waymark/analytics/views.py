"""The read use cases behind the API: each one query or two, then `stats` or `lift`."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from waymark.analytics.catalog import JourneyOutline
from waymark.analytics.documents import GOAL_HITS, MESSAGE_STATUSES, TRANSITIONS
from waymark.analytics.errors import ConflictError, InvalidError, NotFoundError
from waymark.analytics.lift import Assignment, count_arms, newcombe_interval
from waymark.analytics.queries import Reader
from waymark.analytics.schemas import (
    Arm,
    CustomerTrace,
    DayValue,
    Funnel,
    JourneySteps,
    JourneySummary,
    JourneyTable,
    Lift,
    LiftInterval,
    Messages,
    TimeSeries,
    TimeseriesMetric,
)
from waymark.analytics.stats import (
    channel_messages,
    funnel,
    journey_row,
    step_rows,
    version_summary,
)
from waymark.analytics.trace import build_trace

__all__ = ["JourneyType", "Views"]

JourneyType = Literal["marketing", "transactional"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TRANSITION_METRICS: dict[TimeseriesMetric, dict[str, Any]] = {
    TimeseriesMetric.ENTRIES: {"kind": "entered"},
    TimeseriesMetric.COMPLETED: {"kind": "exited", "reason": "completed"},
    TimeseriesMetric.EXITED: {"kind": "exited"},
    TimeseriesMetric.CONVERTED: {"kind": "converted"},
    TimeseriesMetric.SUPPRESSED: {"kind": "suppressed"},
    TimeseriesMetric.STEP_FAILED: {"kind": "step_failed"},
}


def _placeholder(journey_id: str) -> JourneyOutline:
    """An outline for a journey seen in transitions but not (yet) in the catalog."""
    return JourneyOutline(journey_id, 0, "unknown", "unknown", journey_id, _EPOCH, (), (), None)


class Views:
    """Answers the API's questions from one database's aggregates."""

    def __init__(self, reader: Reader, trace_limit: int = 200) -> None:
        self.reader = reader
        self.trace_limit = trace_limit

    async def _outlines(self, journey_id: str, version: int | None) -> list[JourneyOutline]:
        """The journey's outlines (highest version first); NotFoundError when unknown."""
        outlines = await self.reader.outlines(journey_id)
        if version is not None:
            chosen = [o for o in outlines if o.version == version]
            if chosen:
                return chosen
            rows = await self.reader.transitions([journey_id], version)
            if rows:
                return [_placeholder(journey_id)]
            raise NotFoundError(f"journey {journey_id} has no version {version}", "version")
        if outlines:
            return outlines
        if await self.reader.has_facts(journey_id):
            return [_placeholder(journey_id)]
        raise NotFoundError(f"no journey {journey_id}", "journey_id")

    async def table(self, journey_type: JourneyType) -> JourneyTable:
        """The journey table (seed 000) of one type."""
        by_journey: dict[str, list[JourneyOutline]] = {}
        for outline in await self.reader.outlines():
            by_journey.setdefault(outline.journey_id, []).append(outline)
        chosen = {
            journey_id: outlines
            for journey_id, outlines in by_journey.items()
            if max(outlines, key=lambda o: o.version).type == journey_type
        }
        ids = sorted(chosen)
        transitions = await self.reader.transitions(ids) if ids else []
        instances = await self.reader.instances(ids) if ids else []
        rows = []
        for journey_id in ids:
            outlines = chosen[journey_id]
            latest = max(outlines, key=lambda o: o.version)
            rows.append(
                journey_row(
                    latest,
                    outlines,
                    [r for r in transitions if r.journey_id == journey_id],
                    [r for r in instances if r.journey_id == journey_id],
                )
            )
        return JourneyTable(type=journey_type, journeys=rows)

    async def summary(self, journey_id: str) -> JourneySummary:
        """Totals over every version, and each version's."""
        outlines = await self._outlines(journey_id, None)
        transitions = await self.reader.transitions([journey_id])
        instances = await self.reader.instances([journey_id])
        versions = sorted({r.version for r in transitions} | {o.version for o in outlines} - {0})
        return JourneySummary(
            journey_id=journey_id,
            name=outlines[0].name,
            type=outlines[0].type,
            total=version_summary(transitions, instances, None),
            versions=[
                version_summary(
                    [r for r in transitions if r.version == v],
                    [r for r in instances if r.version == v],
                    v,
                )
                for v in versions
            ],
        )

    async def steps(self, journey_id: str, version: int | None) -> JourneySteps:
        """Every step with its counts and status."""
        outlines = await self._outlines(journey_id, version)
        transitions = await self.reader.transitions([journey_id], version)
        instances = await self.reader.instances([journey_id], version)
        return JourneySteps(
            journey_id=journey_id,
            version=version,
            steps=step_rows(outlines, transitions, instances),
        )

    async def funnel(self, journey_id: str, version: int | None) -> Funnel:
        """The milestone funnel, in the (chosen or latest) version's milestone order."""
        outlines = await self._outlines(journey_id, version)
        transitions = await self.reader.transitions([journey_id], version)
        instances = await self.reader.instances([journey_id], version)
        return funnel(outlines[0], version, transitions, instances)

    async def messages(self, journey_id: str, version: int | None) -> Messages:
        """Distinct messages per channel and status, with rates."""
        await self._outlines(journey_id, version)
        per_channel: dict[str, Counter[str]] = {}
        total: Counter[str] = Counter()
        for channel, status, count in await self.reader.messages(journey_id, version):
            per_channel.setdefault(channel, Counter())[status] += count
            total[status] += count
        return Messages(
            journey_id=journey_id,
            version=version,
            channels=[channel_messages(c, per_channel[c]) for c in sorted(per_channel)],
            total=channel_messages("all", total),
        )

    async def lift(self, journey_id: str, step_id: str | None) -> Lift:
        """Conversion of the treatment against the control group of a split step."""
        outlines = await self._outlines(journey_id, None)
        splits = [s for o in outlines for s in o.splits if s.control]
        if step_id is not None:
            splits = [s for s in splits if s.step_id == step_id]
        if not splits:
            target = f"split {step_id}" if step_id else "split"
            raise ConflictError(
                f"journey {journey_id} has no {target} with a control group", "step_id"
            )
        goals = {o.version: o.goal for o in outlines if o.goal is not None}
        if not goals:
            raise ConflictError(f"journey {journey_id} has no goal to measure", "journey_id")
        latest_goal = goals[max(goals)]
        split = splits[0]
        assignments = [
            Assignment(
                customer,
                at,
                control,
                timedelta(seconds=(goals.get(version) or latest_goal).within_seconds),
            )
            for customer, version, at, control in await self.reader.split_assignments(
                journey_id, split.step_id
            )
        ]
        control, treatment = count_arms(assignments, await self.reader.goal_times(journey_id))
        lift = relative = None
        interval = None
        if control.rate is not None and treatment.rate is not None:
            lift = treatment.rate - control.rate
            relative = lift / control.rate if control.rate else None
            low, high = newcombe_interval(
                treatment.conversions, treatment.entries, control.conversions, control.entries
            )
            interval = LiftInterval(
                low=low, high=high, confidence=0.95, method="newcombe-wilson hybrid score"
            )
        return Lift(
            journey_id=journey_id,
            step_id=split.step_id,
            goal_event=latest_goal.event,
            window_seconds=latest_goal.within_seconds,
            control=Arm(
                customers=control.entries, conversions=control.conversions, rate=control.rate
            ),
            treatment=Arm(
                customers=treatment.entries, conversions=treatment.conversions, rate=treatment.rate
            ),
            lift=lift,
            relative_lift=relative,
            interval=interval,
        )

    async def timeseries(
        self, journey_id: str, metric: TimeseriesMetric, days: int, until: date | None
    ) -> TimeSeries:
        """One count per UTC day for `days` days ending with `until` (default: today)."""
        await self._outlines(journey_id, None)
        last = until or datetime.now(UTC).date()
        try:
            first = last - timedelta(days=days - 1)
        except OverflowError:
            raise InvalidError("the window starts before the year 1", "until") from None
        match: dict[str, Any] = {"journey_id": journey_id}
        if metric in _TRANSITION_METRICS:
            collection = TRANSITIONS
            match.update(_TRANSITION_METRICS[metric])
        elif metric is TimeseriesMetric.GOAL_EVENTS:
            collection = GOAL_HITS
        else:
            collection = MESSAGE_STATUSES
            match["status"] = metric.value
        counts = await self.reader.daily(collection, match, first.isoformat(), last.isoformat())
        return TimeSeries(
            journey_id=journey_id,
            metric=metric,
            days=[
                DayValue(day=day, value=counts.get(day.isoformat(), 0))
                for day in (first + timedelta(days=n) for n in range(days))
            ],
        )

    async def trace(self, customer_id: str, limit: int | None) -> CustomerTrace:
        """A customer's latest decisions and every skipped send, explained."""
        limit = min(limit or self.trace_limit, self.trace_limit)
        outlines = {(o.journey_id, o.version): o for o in await self.reader.outlines()}

        def channel_of(
            journey_id: str | None, version: int | None, step_id: str | None
        ) -> str | None:
            outline = outlines.get((journey_id or "", version or 0))
            step = outline.step(step_id) if outline is not None and step_id else None
            return step.channel if step is not None else None

        return build_trace(
            customer_id,
            await self.reader.trace(customer_id, limit),
            await self.reader.skipped(customer_id, limit),
            channel_of,
            limit,
        )
