"""decide(state, input, catalog, now) -> Decision: the one function every runner calls."""

from __future__ import annotations

from datetime import datetime

from waymark.core.engine.catalog import Catalog
from waymark.core.engine.decision import Decision
from waymark.core.engine.entry import enter_triggered
from waymark.core.engine.flow import process_instance
from waymark.core.engine.ids import DIGEST_LENGTH, input_digest, parse_timer_id
from waymark.core.engine.inputs import Consent, Identify, Input, Outcome, Tick, Track
from waymark.core.engine.policies import ADDRESS_TRAITS
from waymark.core.engine.state import CustomerState, JourneyInstance
from waymark.core.engine.turn import Turn
from waymark.core.journeys.conditions import EventView

__all__ = ["FAILED_OUTCOMES", "decide", "event_of"]

FAILED_OUTCOMES = frozenset({"failed", "bounced", "expired"})
"""Outcomes that make a send step `step_failed` in the trace."""


def event_of(input: Input) -> EventView | None:
    """The event conditions see for this input (`event.*`); None for non-events."""
    if isinstance(input, Track):
        return EventView(input.event, input.properties)
    if isinstance(input, Identify):
        return EventView("identify", input.traits)
    return None


def _ticked(state: CustomerState, tick: Tick) -> JourneyInstance | None:
    parts = parse_timer_id(tick.timer_id)
    if parts is None:
        return None
    journey_id, entry, generation = parts
    inst = state.instances.get(journey_id)
    if inst is None or inst.entry_id != entry or inst.wait is None:
        return None
    return inst if inst.wait.generation == generation else None


def _identify(turn: Turn, traits: dict[str, object]) -> None:
    state = turn.state
    before = state.profile
    turn.set_profile({**before, **traits})
    for channel, trait in ADDRESS_TRAITS.items():
        # Suppression belongs to an address: a new address is not suppressed.
        if trait in traits and channel in state.suppressed and traits[trait] != before.get(trait):
            state.suppressed = {ch: why for ch, why in state.suppressed.items() if ch != channel}


_DEAD_ADDRESS_REASONS = frozenset({"hard_bounce", "invalid_number", "invalid_token", "complaint"})
"""Reasons of a `failed` outcome that mean the address itself can never be sent to."""


def _outcome(turn: Turn, outcome: Outcome) -> None:
    state = turn.state
    channel = outcome.channel
    if channel is not None:
        if outcome.status == "bounced" and outcome.reason != "soft":
            state.suppressed = {**state.suppressed, channel: "hard_bounce"}
        elif outcome.status == "failed" and outcome.reason in _DEAD_ADDRESS_REASONS:
            # Dispatch found the address dead (SMTP 5xx, unknown number, invalid token).
            state.suppressed = {**state.suppressed, channel: outcome.reason}
        elif outcome.status == "unsubscribed":
            state.consent = {**state.consent, channel: False}
    if outcome.status in FAILED_OUTCOMES and outcome.journey_id is not None:
        inst = state.instances.get(outcome.journey_id)
        if inst is not None and outcome.step_id is not None:
            journey = turn.catalog.version(inst.journey_id, inst.version)
            turn.note(inst, journey, "step_failed", outcome.step_id, outcome.status)


def _apply(turn: Turn) -> None:
    inp = turn.input
    if isinstance(inp, Track):
        return
    if isinstance(inp, Identify):
        _identify(turn, dict(inp.traits))
    elif isinstance(inp, Consent):
        turn.state.consent = {**turn.state.consent, inp.channel: inp.granted}
    elif isinstance(inp, Outcome):
        _outcome(turn, inp)


def decide(state: CustomerState, input: Input, catalog: Catalog, now: datetime) -> Decision:
    """Decide what one input means for one customer; pure, and `state` is left unchanged."""
    if input.customer_id != state.customer_id:
        raise ValueError(
            f"input for customer {input.customer_id!r} given the state of {state.customer_id!r}"
        )
    ticked: str | None = None
    digest: str | None = None
    if isinstance(input, Tick):
        target = _ticked(state, input)
        if target is None:
            return Decision(state)  # stale: its wait ended or was replaced
        ticked = target.journey_id
    else:
        digest = input_digest(input.input_id)
        # Idempotency guard: a redelivered input must not decide anything twice.
        if digest in state.seen:
            return Decision(state)
    work = state.copy()
    window = catalog.policy.dedupe_window
    if digest is not None and window > 0:
        seen = f"{work.seen} {digest}" if work.seen else digest
        keep = window * (DIGEST_LENGTH + 1) - 1
        work.seen = seen[-keep:] if len(seen) > keep else seen
    turn = Turn(work, input, catalog, now, event_of(input))
    profile_before = work.profile
    _apply(turn)
    if ticked is not None:
        process_instance(turn, work.instances[ticked])
    elif work.instances:
        for inst in list(work.instances.values()):
            process_instance(turn, inst)
    enter_triggered(turn, profile_before)
    commands, transitions, timers = turn.commands, turn.transitions, turn.timers
    return Decision(
        work,
        tuple(commands) if commands else (),
        tuple(transitions) if transitions else (),
        tuple(timers) if timers else (),
    )
