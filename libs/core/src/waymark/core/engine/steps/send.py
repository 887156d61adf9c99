"""`send`: a command to channel-dispatch, unless a policy skips or delays it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from waymark.core.engine.decision import SendCommand
from waymark.core.engine.ids import command_id
from waymark.core.engine.policies import (
    address_of,
    blocked_reason,
    frequency_capped,
    quiet_hours_end,
    record_marketing_send,
)
from waymark.core.engine.state import JourneyInstance
from waymark.core.engine.steps.base import STOP, CompiledStep, Flow
from waymark.core.journeys.steps import SendStep

if TYPE_CHECKING:
    from waymark.core.engine.compiled import CompiledJourney
    from waymark.core.engine.turn import Turn

__all__ = ["CompiledSend", "compile_send", "resume_send", "run_send"]

_EMPTY: Mapping[str, object] = {}


@dataclass(frozen=True, slots=True)
class CompiledSend(CompiledStep):
    """A send step: channel and template."""

    channel: str
    template: str


def compile_send(step: SendStep, index: int, positions: Mapping[str, int]) -> CompiledSend:
    """Compile a send step."""
    return CompiledSend(step.id, index, index + 1, step.send.channel, step.send.template)


def run_send(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledSend
) -> Flow:
    """Emit the command, or a `suppressed` transition with the reason, or wait out quiet hours."""
    state = turn.state
    marketing = journey.marketing
    reason = blocked_reason(state, step.channel, marketing)
    # Transactional sends skip quiet hours and the cap: a password reset at 23:00 cannot wait.
    if reason is None and marketing:
        # Quiet hours delay rather than drop; the cap is judged when the send really happens.
        if journey.quiet_hours is not None:
            quiet_end = quiet_hours_end(journey.quiet_hours, state.profile, turn.now)
            if quiet_end is not None:
                turn.wait(inst, "quiet_hours", quiet_end)
                turn.note(inst, journey, "waiting", step.id, "quiet_hours")
                return STOP
        if frequency_capped(state, turn.ts, turn.policy):
            reason = "frequency_cap"
    if reason is not None:
        turn.note(inst, journey, "suppressed", step.id, reason)
        return step.next
    attempt = inst.sends
    inst.sends = attempt + 1
    cid = command_id(
        state.customer_id, inst.journey_id, inst.version, inst.entry_id, step.id, attempt
    )
    if step.id in journey.outcome_targets:
        inst.commands[step.id] = cid
    if marketing:
        record_marketing_send(state, turn.ts, turn.policy)
    entry = inst.entry
    turn.commands.append(
        SendCommand(
            command_id=cid,
            customer_id=state.customer_id,
            journey_id=inst.journey_id,
            journey_version=inst.version,
            entry_id=inst.entry_id,
            step_id=step.id,
            channel=step.channel,
            template=step.template,
            category=journey.category,
            at=turn.now,
            address=address_of(state.profile, step.channel),
            consent_granted=state.consent.get(step.channel, False),
            attempt=attempt,
            profile=state.profile,
            entry_properties=entry.properties if entry is not None else _EMPTY,
        )
    )
    turn.note(inst, journey, "step_completed", step.id)
    return step.next


def resume_send(
    turn: Turn, inst: JourneyInstance, journey: CompiledJourney, step: CompiledSend
) -> Flow:
    """Quiet hours are over: decide the send again, with consent and the cap as they are now."""
    return run_send(turn, inst, journey, step)
