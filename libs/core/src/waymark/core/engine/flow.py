"""Moving one instance along: exits and goal, milestone advance, waits ending, stepping."""

from __future__ import annotations

from datetime import timedelta

from waymark.core.engine.compiled import CompiledJourney
from waymark.core.engine.inputs import Tick
from waymark.core.engine.state import BEFORE_FIRST_MILESTONE, NO_STEP, JourneyInstance
from waymark.core.engine.steps import EXIT_JUMP, STEP_TYPES, STOP, Flow
from waymark.core.engine.turn import Turn

__all__ = [
    "end",
    "ending",
    "enter_milestone",
    "furthest_milestone",
    "process_instance",
    "run_steps",
    "settle",
]


def run_steps(turn: Turn, inst: JourneyInstance, journey: CompiledJourney, index: Flow) -> None:
    """Run the current milestone's steps from `index` until a wait, an exit or the end."""
    steps = journey.milestones[inst.milestone].steps
    budget = turn.policy.max_steps_per_input
    while index != STOP:
        if index == EXIT_JUMP:
            step_id = steps[inst.step].id if inst.step != NO_STEP else None
            turn.exit(inst, journey, "exit", step_id)
            return
        if index >= len(steps):
            _flow_ended(turn, inst, journey)
            return
        budget -= 1
        if budget < 0:
            # Validation rejects cycles without a wait; this guards a journey that slipped by.
            step_id = steps[index].id
            turn.note(inst, journey, "step_failed", step_id, "step_limit")
            turn.exit(inst, journey, "step_limit", step_id)
            return
        step = steps[index]
        inst.step = index
        turn.note(inst, journey, "step_entered", step.id)
        index = STEP_TYPES[type(step)].run(turn, inst, journey, step)


def _flow_ended(turn: Turn, inst: JourneyInstance, journey: CompiledJourney) -> None:
    inst.step = NO_STEP
    if inst.milestone < journey.last_milestone:
        turn.note(inst, journey, "waiting", None, "milestone")
        return
    # Nothing later can happen but a conversion: wait out the goal's window, or leave now
    # so the state of a customer does not keep instances that can no longer change.
    window_end = inst.entered_at + journey.goal_within
    if journey.goal is not None and window_end > turn.ts:
        turn.wait(inst, "goal", turn.now + timedelta(seconds=window_end - turn.ts))
        turn.note(inst, journey, "waiting", None, "goal")
        return
    turn.exit(inst, journey, "completed")


def furthest_milestone(turn: Turn, inst: JourneyInstance, journey: CompiledJourney) -> int:
    """The furthest milestone after the current one whose entry holds, or the current index."""
    milestones = journey.milestones
    ctx = None
    for index in range(len(milestones) - 1, inst.milestone, -1):
        entry = milestones[index].entry
        if entry is None:
            return index
        if ctx is None:
            ctx = turn.context(inst)
        if entry(ctx):
            return index
    return inst.milestone


def enter_milestone(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, index: int
) -> None:
    """Abandon the current flow (cancelling its wait) and start milestone `index`'s steps."""
    turn.clear_wait(inst)
    inst.milestone = index
    inst.step = NO_STEP
    turn.note(inst, journey, "milestone_entered")
    run_steps(turn, inst, journey, 0)


def ending(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, *, goal_counts: bool = True
) -> str | None:
    """`exit_when` or `goal` (within its window) when this input ends the instance, else None."""
    goal = journey.goal if goal_counts else None
    exit_when = journey.exit_when
    if exit_when is None and goal is None:
        return None
    ctx = turn.context(inst)
    if exit_when is not None and exit_when(ctx):
        return "exit_when"
    if goal is not None and turn.ts - inst.entered_at <= journey.goal_within and goal(ctx):
        return "goal"
    return None


def end(turn: Turn, inst: JourneyInstance, journey: CompiledJourney, reason: str) -> None:
    """End the instance for `reason`; a goal is traced as a conversion first."""
    if reason == "goal":
        turn.note(inst, journey, "converted", None, "goal")
    turn.exit(inst, journey, reason)


def _fire_timer(turn: Turn, inst: JourneyInstance, journey: CompiledJourney) -> None:
    wait = inst.wait
    assert wait is not None
    turn.clear_wait(inst)
    if wait.kind == "goal":
        turn.exit(inst, journey, "completed")
        return
    step = journey.milestones[inst.milestone].steps[inst.step]
    resume = STEP_TYPES[type(step)].resume
    assert resume is not None, "only steps with a resume set timers"
    run_steps(turn, inst, journey, resume(turn, inst, journey, step))


def _deliver(turn: Turn, inst: JourneyInstance, journey: CompiledJourney) -> None:
    if inst.step == NO_STEP or inst.milestone == BEFORE_FIRST_MILESTONE:
        return
    step = journey.milestones[inst.milestone].steps[inst.step]
    match = STEP_TYPES[type(step)].match
    if match is None:
        return
    target = match(turn, inst, journey, step)
    if target is not None:
        inst = turn.own(inst)
        turn.clear_wait(inst)
        run_steps(turn, inst, journey, target)


_SETTLE_ROUNDS = 8
"""How often an instance's own `update` steps may move it on within one input."""


def settle(turn: Turn, inst: JourneyInstance, profile: object) -> None:
    """Re-check exits, goal and milestone entries after this instance's steps changed the
    profile (an `update` step), so "after every input" holds for what the input caused too."""
    for _ in range(_SETTLE_ROUNDS):
        if turn.state.profile is profile:
            return
        profile = turn.state.profile
        live = turn.state.instances.get(inst.journey_id)
        if live is None or live.entry_id != inst.entry_id:
            return
        record = turn.catalog.records.get(live.journey_id)
        journey = record.versions.get(live.version) if record is not None else None
        if record is None or journey is None or record.status != "active":
            return
        reason = ending(turn, live, journey)
        if reason is not None:
            end(turn, turn.own(live), journey, reason)
            return
        if live.milestone >= journey.last_milestone:
            return
        target = furthest_milestone(turn, live, journey)
        if target == live.milestone:
            return
        enter_milestone(turn, turn.own(live), journey, target)


def process_instance(turn: Turn, inst: JourneyInstance) -> None:
    """Let this input act on a live instance, then settle what its own steps changed."""
    profile = turn.state.profile
    _process_once(turn, inst)
    settle(turn, inst, profile)


def _process_once(turn: Turn, inst: JourneyInstance) -> None:
    """Let this input act on a live instance, in the order JOURNEYS.md gives.

    Most inputs change nothing for most instances: the instance is copied (`turn.own`) only
    once something is about to change it.
    """
    record = turn.catalog.records.get(inst.journey_id)
    journey = record.versions.get(inst.version) if record is not None else None
    if record is None or journey is None:
        turn.exit(turn.own(inst), None, "journey_unavailable")
        return
    status = record.status
    if status == "archived":
        turn.exit(turn.own(inst), journey, "journey_archived")
        return
    if journey.exit_when is not None or journey.goal is not None:
        reason = ending(turn, inst, journey)
        if reason is not None:
            end(turn, turn.own(inst), journey, reason)
            return
    if status == "paused":
        # Held: no progress, no sends. A due timer is marked held and set again, so after a
        # resume the customer moves on at the first input (a resume fan-out) or that timer.
        if isinstance(turn.input, Tick):
            turn.hold(turn.own(inst), turn.policy.paused_recheck)
        return
    if inst.milestone < journey.last_milestone:
        target = furthest_milestone(turn, inst, journey)
        if target != inst.milestone:
            enter_milestone(turn, turn.own(inst), journey, target)
            return
    wait = inst.wait
    if wait is None:
        return
    if wait.due_at <= turn.ts or wait.held:
        # Also catches a wait held while paused, or a tick still in flight behind this input.
        _fire_timer(turn, turn.own(inst), journey)
    elif wait.kind == "event" or wait.kind == "outcome":
        _deliver(turn, inst, journey)
