"""What analytics knows of each journey version: its outline, its type and its goal.

The outline (milestones, steps with their kind and channel, splits, goal) comes from the
JourneyVersion records of the compacted journeys topic. It is stored as plain values, never
the definition itself: a definition may hold keys with dots (`match`), which FerretDB refuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from waymark.core.contracts import CustomerEvent, JourneyVersion
from waymark.core.journeys import ConditionContext, EventView, Predicate, compile_condition
from waymark.core.journeys.durations import parse_duration

__all__ = [
    "STEP_KINDS",
    "GoalOutline",
    "JourneyCatalog",
    "JourneyOutline",
    "StepOutline",
    "outline_of",
]

log = structlog.get_logger(__name__)

STEP_KINDS = ("send", "wait", "wait_for", "branch", "split", "update", "exit")
"""The step kinds of JOURNEYS.md; the key a step carries names its kind."""

_NO_PROFILE: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class StepOutline:
    """One step as the journey table shows it: where it is, what it does, on which channel."""

    milestone_id: str
    step_id: str
    kind: str
    channel: str | None = None
    name: str | None = None
    control: float | None = None
    """The control share (percent) of a split step; None for other steps."""


@dataclass(frozen=True, slots=True)
class GoalOutline:
    """A journey's conversion: the event and the window it must happen in."""

    event: str
    within_seconds: int


@dataclass(frozen=True, slots=True)
class JourneyOutline:
    """One version of a journey, reduced to what the aggregates need."""

    journey_id: str
    version: int
    status: str
    type: str
    name: str
    published_at: datetime
    milestones: tuple[tuple[str, str | None], ...]
    steps: tuple[StepOutline, ...]
    goal: GoalOutline | None

    @property
    def splits(self) -> tuple[StepOutline, ...]:
        """The split steps, in document order."""
        return tuple(step for step in self.steps if step.kind == "split")

    def step(self, step_id: str) -> StepOutline | None:
        """The step with this id, or None."""
        return next((s for s in self.steps if s.step_id == step_id), None)

    def to_document(self) -> dict[str, Any]:
        """The MongoDB document (keyed `journey_id/version`)."""
        return {
            "_id": f"{self.journey_id}/{self.version}",
            "journey_id": self.journey_id,
            "version": self.version,
            "status": self.status,
            "type": self.type,
            "name": self.name,
            "published_at": self.published_at,
            "milestones": [{"id": m, "name": n} for m, n in self.milestones],
            "steps": [
                {
                    "milestone_id": s.milestone_id,
                    "step_id": s.step_id,
                    "kind": s.kind,
                    "channel": s.channel,
                    "name": s.name,
                    "control": s.control,
                }
                for s in self.steps
            ],
            "goal": (
                {"event": self.goal.event, "within_seconds": self.goal.within_seconds}
                if self.goal is not None
                else None
            ),
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> JourneyOutline:
        """The outline a document of `to_document` holds."""
        goal = doc.get("goal")
        return cls(
            journey_id=doc["journey_id"],
            version=int(doc["version"]),
            status=doc["status"],
            type=doc["type"],
            name=doc.get("name") or doc["journey_id"],
            published_at=doc["published_at"],
            milestones=tuple((m["id"], m.get("name")) for m in doc.get("milestones", [])),
            steps=tuple(
                StepOutline(
                    s["milestone_id"],
                    s["step_id"],
                    s["kind"],
                    s.get("channel"),
                    s.get("name"),
                    s.get("control"),
                )
                for s in doc.get("steps", [])
            ),
            goal=GoalOutline(goal["event"], int(goal["within_seconds"])) if goal else None,
        )


def _kind(step: Mapping[str, Any]) -> str:
    return next((kind for kind in STEP_KINDS if kind in step), "unknown")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _items(value: Any) -> list[Any]:
    # A definition that no longer parses may hold anything where a list belongs.
    return value if isinstance(value, list) else []


def _step(milestone_id: str, step: Mapping[str, Any]) -> StepOutline | None:
    step_id = _text(step.get("id"))
    if step_id is None:
        return None
    kind = _kind(step)
    spec = step.get(kind)
    channel = _text(spec.get("channel")) if kind == "send" and isinstance(spec, dict) else None
    control: float | None = None
    if kind == "split" and isinstance(spec, dict):
        raw = spec.get("control")
        control = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else 0.0
    return StepOutline(milestone_id, step_id, kind, channel, _text(step.get("name")), control)


def _goal(definition: Mapping[str, Any]) -> GoalOutline | None:
    goal = definition.get("goal")
    if not isinstance(goal, dict) or not _text(goal.get("event")):
        return None
    try:
        within = parse_duration(str(goal.get("within")))
    except ValueError:
        return None
    return GoalOutline(str(goal["event"]), int(within.total_seconds()))


def outline_of(record: JourneyVersion) -> JourneyOutline:
    """The outline of a published version; parts it cannot read are left out, never fatal."""
    definition = record.definition if isinstance(record.definition, dict) else {}
    milestones: list[tuple[str, str | None]] = []
    steps: list[StepOutline] = []
    for milestone in _items(definition.get("milestones")):
        if not isinstance(milestone, dict) or not _text(milestone.get("id")):
            continue
        milestone_id = str(milestone["id"])
        milestones.append((milestone_id, _text(milestone.get("name"))))
        for step in _items(milestone.get("steps")):
            outline = _step(milestone_id, step) if isinstance(step, dict) else None
            if outline is not None:
                steps.append(outline)
    return JourneyOutline(
        journey_id=record.journey_id,
        version=record.version,
        status=record.status,
        type=record.type,
        name=_text(definition.get("name")) or record.journey_id,
        published_at=record.published_at,
        milestones=tuple(milestones),
        steps=tuple(steps),
        goal=_goal(definition),
    )


def _goal_predicate(definition: Mapping[str, Any]) -> Predicate | None:
    goal = definition.get("goal")
    if not isinstance(goal, dict) or not _text(goal.get("event")):
        return None
    condition: dict[str, Any] = {"event": goal["event"]}
    if goal.get("where") is not None:
        condition["where"] = goal["where"]
    try:
        return compile_condition(condition)
    except ValueError as exc:
        log.warning("goal_unreadable", journey_id=definition.get("id"), error=str(exc))
        return None


@dataclass
class JourneyCatalog:
    """Every journey version seen so far, and the goals customer events are matched against."""

    versions: dict[tuple[str, int], JourneyOutline] = field(default_factory=dict)
    _goals: dict[str, dict[tuple[str, int], Predicate]] = field(default_factory=dict)
    _types: dict[str, tuple[int, str]] = field(default_factory=dict)

    def apply(self, record: JourneyVersion) -> JourneyOutline:
        """Take in one JourneyVersion record (a new version or a status change)."""
        outline = outline_of(record)
        key = (record.journey_id, record.version)
        self._know(outline)
        definition = record.definition if isinstance(record.definition, dict) else {}
        for goals in self._goals.values():
            goals.pop(key, None)
        predicate = _goal_predicate(definition)
        if predicate is not None and outline.goal is not None:
            self._goals.setdefault(outline.goal.event, {})[key] = predicate
        return outline

    def load(self, outlines: Iterable[JourneyOutline]) -> None:
        """Know these outlines (from the store) without goals: for the API's reads."""
        for outline in outlines:
            self._know(outline)

    def _know(self, outline: JourneyOutline) -> None:
        self.versions[(outline.journey_id, outline.version)] = outline
        known = self._types.get(outline.journey_id)
        if known is None or outline.version >= known[0]:
            self._types[outline.journey_id] = (outline.version, outline.type)

    def latest(self, journey_id: str) -> JourneyOutline | None:
        """The highest version of a journey, or None."""
        found = [o for (jid, _), o in self.versions.items() if jid == journey_id]
        return max(found, key=lambda o: o.version) if found else None

    def journey_type(self, journey_id: str | None) -> str:
        """The type of the journey's latest version, or `unknown` (a metric label)."""
        known = self._types.get(journey_id) if journey_id else None
        return known[1] if known is not None else "unknown"

    def goal_journeys(self, event: CustomerEvent) -> list[str]:
        """The journeys whose goal (of any version) this event meets, judged on the event alone.

        A goal's `where` sees the event's properties; profile attributes are unknown here and
        compare as missing.
        """
        if event.type != "track" or not event.name:
            return []
        goals = self._goals.get(event.name)
        if not goals:
            return []
        context = ConditionContext(_NO_PROFILE, EventView(event.name, event.properties), None)
        matched = {journey_id for (journey_id, _), goal in goals.items() if goal(context)}
        return sorted(matched)
