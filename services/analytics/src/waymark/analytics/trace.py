"""A customer's trace: transitions and outcomes merged in time, each skip explained in words.

This is the answer to "why was this not sent?": every `suppressed` transition carries the
engine's reason, and every skipped or failed outcome carries dispatch's or the provider's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from waymark.analytics.schemas import CustomerTrace, TraceEntry

__all__ = ["ChannelOf", "build_trace", "explain", "trace_entry"]

ChannelOf = Callable[[str | None, int | None, str | None], str | None]
"""(journey id, version, step id) -> the channel of that send step, when known."""

_TRANSITION_REASONS: Mapping[str, str] = {
    "no_consent": "not sent: the customer has not granted marketing consent on {channel}",
    "suppressed_address": "not sent: the {channel} address is on the suppression list "
    "(a hard bounce or a complaint)",
    "no_address": "not sent: the profile has no {channel} address",
    "frequency_cap": "not sent: the customer reached the marketing frequency cap",
    "quiet_hours": "delayed: the send waits for the journey's quiet hours to end",
    "holdout": "held out: the customer is in the split's control group and gets no sends",
    "step_limit": "stopped: the instance ran more steps on one input than the engine allows",
}
_OUTCOME_STATUSES: Mapping[str, str] = {
    "suppressed": "not sent: dispatch skipped it ({reason})",
    "failed": "not sent: sending failed ({reason})",
    "bounced": "not delivered: the provider bounced it ({reason})",
    "expired": "not sent: it expired before it could be sent",
}


def explain(
    source: str, kind: str, status: str | None, reason: str | None, channel: str | None
) -> str | None:
    """Why a send was skipped, delayed or failed, in words; None when nothing needs saying."""
    if source == "outcome":
        template = _OUTCOME_STATUSES.get(status or "")
        return template.format(reason=reason or "no reason given") if template else None
    if kind not in ("suppressed", "waiting", "step_completed", "exited", "step_failed"):
        return None
    template = _TRANSITION_REASONS.get(reason or "")
    return template.format(channel=channel or "the channel") if template else None


def trace_entry(doc: Mapping[str, Any], source: str, channel_of: ChannelOf) -> TraceEntry:
    """One trace line from a transition or an outcome document."""
    if source == "outcome":
        kind, status, channel = "outcome", doc.get("status"), doc.get("channel")
    else:
        kind, status = str(doc.get("kind")), None
        channel = channel_of(doc.get("journey_id"), doc.get("journey_version"), doc.get("step_id"))
    return TraceEntry(
        at=doc["at"],
        source="outcome" if source == "outcome" else "transition",
        journey_id=doc.get("journey_id"),
        journey_version=doc.get("journey_version"),
        entry_id=doc.get("entry_id"),
        kind=kind,
        status=status,
        milestone_id=doc.get("milestone_id"),
        step_id=doc.get("step_id"),
        channel=channel,
        reason=doc.get("reason"),
        explanation=explain(source, kind, status, doc.get("reason"), channel),
    )


def _merged(
    transitions: Iterable[Mapping[str, Any]],
    outcomes: Iterable[Mapping[str, Any]],
    channel_of: ChannelOf,
    limit: int,
) -> list[TraceEntry]:
    keyed = [((d["at"], 0, d.get("seq", 0)), d, "transition") for d in transitions]
    keyed += [((d["at"], 1, d.get("seq", 0)), d, "outcome") for d in outcomes]
    keyed.sort(key=lambda item: item[0], reverse=True)
    return [trace_entry(doc, source, channel_of) for _, doc, source in keyed[:limit]]


def build_trace(
    customer_id: str,
    recent: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    skipped: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    channel_of: ChannelOf,
    limit: int,
) -> CustomerTrace:
    """The trace body: the latest `limit` decisions, and the skipped sends."""
    return CustomerTrace(
        customer_id=customer_id,
        decisions=_merged(*recent, channel_of, limit),
        skipped=_merged(*skipped, channel_of, limit),
    )
