"""One decision in progress: the state being changed and the effects gathered so far."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from waymark.core.engine.clock import to_epoch
from waymark.core.engine.decision import SendCommand, TimerRequest, Transition, TransitionKind
from waymark.core.engine.ids import timer_id
from waymark.core.engine.inputs import Input, Tick
from waymark.core.engine.state import CustomerState, Finished, JourneyInstance, Wait, WaitKind
from waymark.core.journeys.conditions import ConditionContext, EventView

if TYPE_CHECKING:
    from waymark.core.engine.catalog import Catalog
    from waymark.core.engine.compiled import CompiledJourney

__all__ = ["Turn"]


class Turn:
    """The working set of one decide() call; steps and flows change it through these methods."""

    __slots__ = (
        "_context",
        "_owned",
        "catalog",
        "commands",
        "event",
        "input",
        "now",
        "policy",
        "profile_changed",
        "state",
        "timers",
        "transitions",
        "ts",
    )

    def __init__(
        self,
        state: CustomerState,
        input: Input,
        catalog: Catalog,
        now: datetime,
        event: EventView | None,
    ) -> None:
        """Start a turn on a state the caller no longer shares."""
        self.state = state
        self.input = input
        self.catalog = catalog
        self.policy = catalog.policy
        self.now = now
        self.ts = to_epoch(now)
        self.event = event
        self.profile_changed = False
        self._context: ConditionContext | None = None
        self._owned: set[str] = set()
        self.commands: list[SendCommand] = []
        self.transitions: list[Transition] = []
        self.timers: list[TimerRequest] = []

    def context(self, inst: JourneyInstance | None = None) -> ConditionContext:
        """What conditions see now: the profile, this input's event, the instance's entry."""
        entry = inst.entry if inst is not None else None
        ctx = self._context
        # The profile is replaced on change, so identity says whether the last one still holds.
        if ctx is None or ctx.profile is not self.state.profile or ctx.entry is not entry:
            ctx = self._context = ConditionContext(self.state.profile, self.event, entry)
        return ctx

    def own(self, inst: JourneyInstance) -> JourneyInstance:
        """The instance this turn may change: a copy, made once, replacing the shared one."""
        if inst.journey_id in self._owned:
            return inst
        mine = self.state.instances[inst.journey_id] = inst.copy()
        self._owned.add(inst.journey_id)
        return mine

    def adopt(self, inst: JourneyInstance) -> JourneyInstance:
        """Mark an instance made during this turn as this turn's to change."""
        self._owned.add(inst.journey_id)
        return inst

    def set_profile(self, profile: dict[str, Any]) -> None:
        """Replace the profile (commands already emitted keep the old one)."""
        if profile != self.state.profile:
            self.state.profile = profile
            self.profile_changed = True

    def note(
        self,
        inst: JourneyInstance,
        journey: CompiledJourney | None,
        kind: TransitionKind,
        step_id: str | None = None,
        reason: str | None = None,
        milestone: int | None = None,
    ) -> None:
        """Record a transition of `inst`, in the milestone it is in unless told otherwise."""
        index = inst.milestone if milestone is None else milestone
        milestone_id = journey.milestones[index].id if journey is not None and index >= 0 else None
        self.transitions.append(
            Transition(
                self.state.customer_id,
                inst.journey_id,
                inst.version,
                inst.entry_id,
                kind,
                milestone_id,
                step_id,
                reason,
                self.now,
            )
        )

    def wait(
        self,
        inst: JourneyInstance,
        kind: WaitKind,
        due: datetime,
    ) -> None:
        """Put `inst` on a wait with a timer; a new generation makes older ticks stale."""
        inst.generation += 1
        inst.wait = Wait(kind, to_epoch(due), inst.generation)
        self.timers.append(
            TimerRequest(
                "set",
                self.state.customer_id,
                timer_id(inst.journey_id, inst.entry_id, inst.generation),
                due,
            )
        )

    def hold(self, inst: JourneyInstance, seconds: int) -> None:
        """Keep a due wait of a paused journey: mark it held and look again `seconds` later."""
        wait = inst.wait
        if wait is None:
            return
        due = self.now + timedelta(seconds=seconds)
        # Same generation, so the same timer id: the new due time replaces the old one.
        inst.wait = wait._replace(due_at=to_epoch(due), held=True)
        timer = timer_id(inst.journey_id, inst.entry_id, wait.generation)
        self.timers.append(TimerRequest("set", self.state.customer_id, timer, due))

    def clear_wait(self, inst: JourneyInstance) -> None:
        """End `inst`'s wait, cancelling its timer unless this very tick is that timer."""
        wait = inst.wait
        if wait is None:
            return
        inst.wait = None
        timer = timer_id(inst.journey_id, inst.entry_id, wait.generation)
        fired = self.input
        if isinstance(fired, Tick) and fired.timer_id == timer:
            return
        self.timers.append(TimerRequest("cancel", self.state.customer_id, timer, None))

    def exit(
        self,
        inst: JourneyInstance,
        journey: CompiledJourney | None,
        reason: str,
        step_id: str | None = None,
    ) -> None:
        """End `inst`: cancel its wait, trace the exit, keep only what re-entry needs."""
        self.clear_wait(inst)
        self.note(inst, journey, "exited", step_id, reason)
        state = self.state
        del state.instances[inst.journey_id]
        finished = {key: done for key, done in state.finished.items() if key != inst.journey_id}
        if journey is None or journey.reentry_mode != "always":
            finished[inst.journey_id] = Finished(inst.entered_at, self.ts)
        state.finished = finished
