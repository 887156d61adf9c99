"""Moving one instance along: exits and goal, milestone advance, waits ending, stepping."""

from __future__ import annotations

from datetime import timedelta

from waymark.core.engine.compiled import CompiledJourney
from waymark.core.engine.state import BEFORE_FIRST_MILESTONE, NO_STEP, JourneyInstance
from waymark.core.engine.steps import EXIT_JUMP, STEP_TYPES, STOP, Flow
from waymark.core.engine.turn import Turn

__all__ = [
    "advance_milestone",
    "end_or_convert",
    "enter_milestone",
    "furthest_milestone",
    "process_instance",
    "run_steps",
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
    if inst.milestone < len(journey.milestones) - 1:
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


def advance_milestone(turn: Turn, inst: JourneyInstance, journey: CompiledJourney) -> bool:
    """Move forward to the furthest later milestone whose entry holds; False when none does."""
    target = furthest_milestone(turn, inst, journey)
    if target == inst.milestone:
        return False
    enter_milestone(turn, inst, journey, target)
    return True


def end_or_convert(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, *, goal_counts: bool = True
) -> bool:
    """Apply `exit_when` and `goal` (within its window); True when the instance ended."""
    goal = journey.goal if goal_counts else None
    if journey.exit_when is None and goal is None:
        return False
    ctx = turn.context(inst)
    if journey.exit_when is not None and journey.exit_when(ctx):
        turn.exit(inst, journey, "exit_when")
        return True
    if goal is not None and turn.ts - inst.entered_at <= journey.goal_within and goal(ctx):
        turn.note(inst, journey, "converted", None, "goal")
        turn.exit(inst, journey, "goal")
        return True
    return False


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
        turn.clear_wait(inst)
        run_steps(turn, inst, journey, target)


def process_instance(turn: Turn, inst: JourneyInstance) -> None:
    """Let this input act on a live instance, in the order JOURNEYS.md gives."""
    catalog = turn.catalog
    status = catalog.status(inst.journey_id)
    journey = catalog.version(inst.journey_id, inst.version)
    if journey is None:
        turn.exit(inst, None, "journey_unavailable")
        return
    if status == "archived":
        turn.exit(inst, journey, "journey_archived")
        return
    if end_or_convert(turn, inst, journey):
        return
    if status == "paused":
        return  # held: no progress and no sends until the journey resumes
    if advance_milestone(turn, inst, journey):
        return
    wait = inst.wait
    if wait is None:
        return
    if wait.due_at <= turn.ts:
        # Also catches a tick held while paused, or one still in flight behind this input.
        _fire_timer(turn, inst, journey)
    elif wait.kind == "event" or wait.kind == "outcome":
        _deliver(turn, inst, journey)
