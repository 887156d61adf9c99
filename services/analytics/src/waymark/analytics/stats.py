"""From counted rows to the API's bodies: totals, step statuses, funnel, message rates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from waymark.analytics.catalog import JourneyOutline, StepOutline
from waymark.analytics.instances import ACTIVE
from waymark.analytics.queries import InstanceRow, TransitionRow
from waymark.analytics.schemas import (
    Activity,
    ChannelMessages,
    Funnel,
    FunnelStage,
    JourneyRow,
    MessageRates,
    ReasonCount,
    StepRow,
    StepStatus,
    VersionSummary,
)

__all__ = [
    "MESSAGE_STATUSES",
    "StepCounts",
    "channel_messages",
    "funnel",
    "journey_row",
    "ratio",
    "step_rows",
    "step_status",
    "version_summary",
]

MESSAGE_STATUSES = (
    "sent",
    "delivered",
    "failed",
    "bounced",
    "suppressed",
    "expired",
    "opened",
    "clicked",
    "unsubscribed",
)


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


@dataclass(slots=True)
class StepCounts:
    """What happened at one step."""

    entered: int = 0
    completed: int = 0
    suppressed: int = 0
    failed: int = 0
    in_step: int = 0


def step_status(counts: StepCounts) -> StepStatus:
    """pending: nobody reached it; in progress: somebody is in it now; failed: some failed
    there and nobody got past it (completed or skipped); completed otherwise."""
    if counts.in_step > 0:
        return "in progress"
    if counts.entered == 0:
        return "pending"
    if counts.failed > 0 and counts.completed + counts.suppressed == 0:
        return "failed"
    return "completed"


def _reasons(counter: Counter[str]) -> list[ReasonCount]:
    return [ReasonCount(reason=r, count=n) for r, n in sorted(counter.items())]


def version_summary(
    transitions: Iterable[TransitionRow], instances: Iterable[InstanceRow], version: int | None
) -> VersionSummary:
    """The totals of the rows given (one version's, or all of them for `version=None`)."""
    kinds: Counter[str] = Counter()
    exits: Counter[str] = Counter()
    suppressed: Counter[str] = Counter()
    for row in transitions:
        kinds[row.kind] += row.count
        if row.kind == "exited":
            exits[row.reason or "none"] += row.count
        elif row.kind == "suppressed":
            suppressed[row.reason or "none"] += row.count
    return VersionSummary(
        version=version,
        entries=kinds["entered"],
        in_progress=sum(r.count for r in instances if r.status == ACTIVE),
        completed=exits["completed"],
        exited=kinds["exited"],
        converted=kinds["converted"],
        suppressed=kinds["suppressed"],
        exits_by_reason=_reasons(exits),
        suppressed_by_reason=_reasons(suppressed),
    )


def _ordered_steps(
    outlines: Sequence[JourneyOutline], transitions: Sequence[TransitionRow]
) -> list[StepOutline]:
    """The latest version's steps, then steps only older versions (or only facts) know."""
    steps: dict[str, StepOutline] = {}
    for outline in sorted(outlines, key=lambda o: -o.version):
        for step in outline.steps:
            steps.setdefault(step.step_id, step)
    for row in transitions:
        if row.step_id is not None and row.step_id not in steps:
            steps[row.step_id] = StepOutline(row.milestone_id or "", row.step_id, "unknown")
    return list(steps.values())


def step_rows(
    outlines: Sequence[JourneyOutline],
    transitions: Sequence[TransitionRow],
    instances: Sequence[InstanceRow],
) -> list[StepRow]:
    """Every step with its counts and status."""
    counts: dict[str, StepCounts] = {}
    reasons: dict[str, Counter[str]] = {}
    for row in transitions:
        if row.step_id is None:
            continue
        tally = counts.setdefault(row.step_id, StepCounts())
        if row.kind == "step_entered":
            tally.entered += row.count
        elif row.kind == "step_completed":
            tally.completed += row.count
        elif row.kind == "step_failed":
            tally.failed += row.count
        elif row.kind == "suppressed":
            tally.suppressed += row.count
            reasons.setdefault(row.step_id, Counter())[row.reason or "none"] += row.count
    for inst in instances:
        if inst.status == ACTIVE and inst.step_id is not None:
            counts.setdefault(inst.step_id, StepCounts()).in_step += inst.count
    rows = []
    for step in _ordered_steps(outlines, transitions):
        c = counts.get(step.step_id, StepCounts())
        rows.append(
            StepRow(
                milestone_id=step.milestone_id or None,
                step_id=step.step_id,
                kind=step.kind,
                channel=step.channel,
                entered=c.entered,
                completed=c.completed,
                suppressed=c.suppressed,
                failed=c.failed,
                in_step=c.in_step,
                status=step_status(c),
                suppressed_by_reason=_reasons(reasons.get(step.step_id, Counter())),
            )
        )
    return rows


def journey_row(
    latest: JourneyOutline,
    outlines: Sequence[JourneyOutline],
    transitions: Sequence[TransitionRow],
    instances: Sequence[InstanceRow],
) -> JourneyRow:
    """One line of the journey table (seed 000), over every version."""
    totals = version_summary(transitions, instances, None)
    latest_ids = {s.step_id for s in latest.steps}
    steps = [s for s in step_rows(outlines, transitions, instances) if s.step_id in latest_ids]
    return JourneyRow(
        journey_id=latest.journey_id,
        name=latest.name,
        type=latest.type,
        status=latest.status,
        version=latest.version,
        steps=len(latest.steps),
        activities=[
            Activity(
                milestone_id=s.milestone_id,
                step_id=s.step_id,
                kind=s.kind,
                channel=s.channel,
                status=s.status,
            )
            for s in steps
        ],
        steps_in_progress=sum(1 for s in steps if s.status == "in progress"),
        steps_completed=sum(1 for s in steps if s.status == "completed"),
        executions=totals.entries,
        in_progress=totals.in_progress,
        completed=totals.completed,
        exited=totals.exited,
        conversions=totals.converted,
        conversion_rate=ratio(totals.converted, totals.entries),
    )


def funnel(
    outline: JourneyOutline,
    version: int | None,
    transitions: Sequence[TransitionRow],
    instances: Sequence[InstanceRow],
) -> Funnel:
    """Milestones in order: entered, and reached (this one or a later one, since customers
    only move forward and may skip a milestone whose entry a later one overtakes)."""
    entries = sum(r.count for r in transitions if r.kind == "entered")
    converted = sum(r.count for r in transitions if r.kind == "converted")
    order = {milestone_id: index for index, (milestone_id, _) in enumerate(outline.milestones)}
    entered: Counter[str] = Counter()
    for row in transitions:
        if row.kind == "milestone_entered" and row.milestone_id is not None:
            entered[row.milestone_id] += row.count
    furthest: Counter[int] = Counter()
    for inst in instances:
        if inst.milestone_id in order:
            furthest[order[inst.milestone_id]] += inst.count
    stages: list[FunnelStage] = []
    previous = entries
    for index, (milestone_id, name) in enumerate(outline.milestones):
        reached = sum(n for at, n in furthest.items() if at >= index)
        stages.append(
            FunnelStage(
                milestone_id=milestone_id,
                name=name,
                entered=entered[milestone_id],
                reached=reached,
                rate_from_previous=ratio(reached, previous),
                rate_from_entry=ratio(reached, entries),
            )
        )
        previous = reached
    return Funnel(
        journey_id=outline.journey_id,
        version=version,
        entries=entries,
        milestones=stages,
        converted=converted,
        conversion_rate=ratio(converted, entries),
    )


def channel_messages(channel: str, counts: Counter[str]) -> ChannelMessages:
    """One channel's distinct messages per status, with its rates."""
    sent, delivered, opened = counts["sent"], counts["delivered"], counts["opened"]
    return ChannelMessages(
        channel=channel,
        **{status: counts[status] for status in MESSAGE_STATUSES},
        rates=MessageRates(
            delivery_rate=ratio(delivered, sent),
            open_rate=ratio(opened, delivered),
            click_rate=ratio(counts["clicked"], delivered),
            click_to_open_rate=ratio(counts["clicked"], opened),
            bounce_rate=ratio(counts["bounced"], sent),
            failure_rate=ratio(counts["failed"], sent + counts["failed"]),
            unsubscribe_rate=ratio(counts["unsubscribed"], delivered),
        ),
    )
