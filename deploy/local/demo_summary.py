"""The figures of `make demo`: what the ground truth expects, the table, and the comparison.

The expected figures come from the simulator run over the very calls the demo sent; the
observed ones from the platform (trigger-ingest's metrics, analytics' API, the sinks). Every
figure that has an expected value must equal it; the latency is shown, never compared.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from demo_scenario import Call, inputs

from waymark.core.journeys import Journey
from waymark.core.simulate import simulate

STATUSES = ("sent", "failed", "in sink")
"""Message statuses compared per channel: as analytics counts them, and as the sinks hold them."""


@dataclass
class Figures:
    """The numbers the demo prints, expected or observed."""

    events: int = 0
    entries: dict[str, int] = field(default_factory=dict)
    """Journey id → entries."""
    messages: dict[str, dict[str, int]] = field(default_factory=dict)
    """Channel → status → messages."""
    suppressions: dict[str, int] = field(default_factory=dict)
    """Reason → sends suppressed."""
    conversions: dict[str, int] = field(default_factory=dict)
    """Journey id → conversions."""
    matched: int = 0
    """Messages in the sinks whose command id is one the ground truth decided."""

    def rows(self) -> dict[str, int]:
        """Every figure under a flat, printable name; zeros included."""
        out = {"events in": self.events}
        out.update({f"entries  {j}": n for j, n in self.entries.items()})
        for channel, statuses in self.messages.items():
            out.update({f"messages {channel} {s}": n for s, n in statuses.items()})
        out["messages in a sink with an expected id"] = self.matched
        out.update({f"suppressed {r}": n for r, n in self.suppressions.items()})
        out.update({f"conversions {j}": n for j, n in self.conversions.items()})
        return out


@dataclass
class GroundTruth:
    """The expected figures and, per expected message, when its cause happened."""

    figures: Figures
    caused_at: dict[str, datetime]
    """Command id → the time of the input that decided it."""


def ground_truth(journeys: Sequence[Journey], sent: Sequence[Call], until: datetime) -> GroundTruth:
    """Simulate the calls the platform accepted over the journeys, up to `until`."""
    result = simulate(list(journeys), inputs(sent), until=until)
    ids = sorted(j.id for j in journeys)
    entries = Counter(t.journey_id for t in result.transitions if t.kind == "entered")
    conversions = Counter(t.journey_id for t in result.transitions if t.kind == "converted")
    suppressed = Counter(t.reason or "-" for t in result.transitions if t.kind == "suppressed")
    per_channel = Counter(c.channel for c in result.commands)
    figures = Figures(
        events=len(sent),
        entries={j: entries[j] for j in ids},
        messages={
            ch: {"sent": n, "failed": 0, "in sink": n} for ch, n in sorted(per_channel.items())
        },
        suppressions=dict(sorted(suppressed.items())),
        conversions={j: conversions[j] for j in ids},
        matched=len(result.commands),
    )
    return GroundTruth(figures, {c.command_id: c.at for c in result.commands})


def observed_figures(
    events: int,
    summaries: Mapping[str, Mapping[str, Any]],
    messages: Mapping[str, Mapping[str, Any]],
    in_sinks: Mapping[str, int],
    matched: int,
) -> Figures:
    """Figures from ingest's event count, analytics' summaries and messages, the sinks' counts.

    `matched` is how many messages in the sinks carry a command id the ground truth expects.
    """
    suppressed: Counter[str] = Counter()
    channels: dict[str, dict[str, int]] = {}
    for summary in summaries.values():
        for row in summary["total"]["suppressed_by_reason"]:
            suppressed[row["reason"]] += row["count"]
    for body in messages.values():
        for row in body["channels"]:
            mine = channels.setdefault(row["channel"], {"sent": 0, "failed": 0, "in sink": 0})
            mine["sent"] += row["sent"]
            mine["failed"] += row["failed"]
    for channel, count in in_sinks.items():
        if count:
            channels.setdefault(channel, {"sent": 0, "failed": 0, "in sink": 0})["in sink"] = count
    return Figures(
        events=events,
        entries={j: s["total"]["entries"] for j, s in sorted(summaries.items())},
        messages=dict(sorted(channels.items())),
        suppressions=dict(sorted(suppressed.items())),
        conversions={j: s["total"]["converted"] for j, s in sorted(summaries.items())},
        matched=matched,
    )


def compare(expected: Figures, observed: Figures) -> list[str]:
    """Every figure that differs, as 'name: expected N, observed M'; empty when all agree."""
    want, got = expected.rows(), observed.rows()
    return [
        f"{name}: expected {want.get(name, 0)}, observed {got.get(name, 0)}"
        for name in sorted(set(want) | set(got))
        if want.get(name, 0) != got.get(name, 0)
    ]


def latencies(caused_at: Mapping[str, datetime], arrived: Mapping[str, float]) -> list[float]:
    """Seconds from each expected message's cause to its arrival in a sink, sorted."""
    return sorted(arrived[cid] - at.timestamp() for cid, at in caused_at.items() if cid in arrived)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) of sorted values, nearest rank; None when there are none."""
    if not values:
        return None
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def table(expected: Figures, observed: Figures, delays: Sequence[float]) -> str:
    """The summary: each figure with its expected and observed value, then the latency."""
    want, got = expected.rows(), observed.rows()
    names = list(want) + [n for n in got if n not in want]
    width = max(len(n) for n in names) + 2
    lines = [f"{'figure':<{width}}{'expected':>10}{'observed':>10}", "-" * (width + 20)]
    for name in names:
        mark = "" if want.get(name, 0) == got.get(name, 0) else "   <- differs"
        lines.append(f"{name:<{width}}{want.get(name, 0):>10}{got.get(name, 0):>10}{mark}")
    p50, p99 = percentile(delays, 0.5), percentile(delays, 0.99)
    if p50 is not None and p99 is not None:
        lines.append(
            f"end-to-end latency, event time → message in the sink: p50 {p50 * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms over {len(delays)} messages"
        )
    else:
        lines.append("end-to-end latency: no message arrived")
    return "\n".join(lines)
