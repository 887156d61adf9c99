"""Entering journeys: trigger rules, re-entry rules, and the first moments of an instance."""

from __future__ import annotations

from typing import Any

from waymark.core.engine.compiled import CompiledJourney
from waymark.core.engine.flow import end, ending, enter_milestone, furthest_milestone, settle
from waymark.core.engine.ids import entry_id
from waymark.core.engine.inputs import ApiTrigger, ScheduleTick
from waymark.core.engine.state import BEFORE_FIRST_MILESTONE, JourneyInstance
from waymark.core.engine.turn import Turn
from waymark.core.journeys.conditions import ConditionContext, EventView

__all__ = ["admits", "enter", "enter_triggered"]

_NO_PROPERTIES: dict[str, Any] = {}


def admits(turn: Turn, journey: CompiledJourney) -> bool:
    """Whether the customer may enter `journey` now: not inside, and re-entry allows it."""
    state = turn.state
    if journey.id in state.instances:
        return False
    done = state.finished.get(journey.id)
    if done is None or journey.reentry_mode == "always":
        return True
    if journey.reentry_mode == "never":
        return False
    return turn.ts - done.entered_at >= journey.cooldown


def _trimmed(journey: CompiledJourney, event: EventView) -> EventView | None:
    if not journey.keeps_entry:
        return None  # nothing reads it: instances share one condition context, and bytes
    keys = journey.entry_keys
    props = event.properties
    if not keys or not props:
        return EventView(event.name, _NO_PROPERTIES)
    return EventView(event.name, {key: props[key] for key in keys if key in props})


def enter(turn: Turn, journey: CompiledJourney, event: EventView) -> None:
    """Start an instance of `journey`, then apply this same input to it like any other."""
    state = turn.state
    inst = JourneyInstance(
        journey.id,
        journey.version,
        entry_id(state.customer_id, journey.id, turn.input.input_id),
        turn.ts,
        _trimmed(journey, event),
    )
    state.instances[journey.id] = turn.adopt(inst)
    target = furthest_milestone(turn, inst, journey)
    turn.note(inst, journey, "entered", milestone=target)
    # The entering event cannot be its own conversion (a repeat-purchase goal on a purchase
    # trigger), but a customer who already meets `exit_when` leaves at once.
    reason = ending(turn, inst, journey, goal_counts=False)
    if reason is not None:
        end(turn, inst, journey, reason)
        return
    if target == BEFORE_FIRST_MILESTONE:
        turn.note(inst, journey, "waiting", None, "milestone")
        return
    profile = turn.state.profile
    enter_milestone(turn, inst, journey, target)
    settle(turn, inst, profile)


def _condition_turned_true(turn: Turn, journey: CompiledJourney, before: dict[str, Any]) -> bool:
    condition = journey.trigger_condition
    if condition is None:
        return False
    if condition(ConditionContext(before, turn.event, None)):
        return False
    return condition(turn.context())


def enter_triggered(turn: Turn, profile_before: dict[str, Any]) -> None:
    """Enter every journey this input triggers: event or API or schedule, then conditions."""
    catalog = turn.catalog
    event = turn.event
    entries: list[tuple[CompiledJourney, EventView]] = []
    inp = turn.input
    if isinstance(inp, ApiTrigger):
        journey = catalog.active(inp.journey_id)
        if journey is not None and journey.trigger == "api":
            entries.append((journey, EventView("api", inp.payload)))
    elif isinstance(inp, ScheduleTick):
        journey = catalog.active(inp.journey_id)
        if journey is not None and journey.trigger == "schedule":
            audience = journey.trigger_where
            if audience is None or audience(turn.context()):
                entries.append((journey, EventView("schedule", _NO_PROPERTIES)))
    elif event is not None:
        candidates = catalog.by_event.get(event.name)
        if candidates:
            ctx = turn.context()
            for journey in candidates:
                if journey.trigger_where is None or journey.trigger_where(ctx):
                    entries.append((journey, event))
    for journey, entry_event in entries:
        if admits(turn, journey):
            enter(turn, journey, entry_event)
    # Conditions last: an update step of a journey entered just now may be what turned them.
    if turn.profile_changed and catalog.on_condition:
        for journey in catalog.on_condition:
            if _condition_turned_true(turn, journey, profile_before) and admits(turn, journey):
                enter(turn, journey, event or EventView("condition", _NO_PROPERTIES))
