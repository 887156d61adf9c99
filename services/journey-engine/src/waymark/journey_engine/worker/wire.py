"""Between the wire and decide(): Avro records become engine inputs, decisions become records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any

from waymark.core.contracts import (
    MODELS,
    AvroCodec,
    CodecError,
    CustomerEvent,
    DispatchOutcome,
    JourneyTransition,
    Tick,
)
from waymark.core.contracts import SendCommand as WireCommand
from waymark.core.contracts import topics as names
from waymark.core.engine import (
    ApiTrigger,
    CatalogChange,
    Consent,
    Identify,
    Input,
    Outcome,
    ScheduleTick,
    SendCommand,
    Track,
    Transition,
)
from waymark.core.engine import Tick as TimerTick
from waymark.core.engine.steps.split import HOLDOUT

__all__ = [
    "CATALOG_TIMER",
    "SCHEDULE_TIMER",
    "InputDecoder",
    "OutputEncoder",
    "catalog_tick",
    "schedule_tick",
]

CATALOG_TIMER = "catalog/"
"""Ticks whose timer id starts so carry a catalog change to one customer."""
SCHEDULE_TIMER = "schedule/"
"""Ticks whose timer id starts so enter one customer into a schedule-triggered journey."""


_EVENT = CustomerEvent.SCHEMA_NAME
_OUTCOME = DispatchOutcome.SCHEMA_NAME
_TICK = Tick.SCHEMA_NAME


class InputDecoder:
    """Decodes a record of an input topic into the engine's typed input.

    Straight from the decoded fields, without building the wire model first: the worker
    decodes every input, and the model would only be read once.
    """

    def __init__(self, codec: AvroCodec) -> None:
        self._codec = codec

    def decode(self, topic: str, value: bytes | None) -> Input:
        """The input a record stands for; CodecError (to the DLQ) when it stands for none."""
        name, record = self._codec.decode(value)
        if name == _EVENT:
            return _event_input(record)
        if name == _OUTCOME:
            return Outcome(
                record["outcome_id"],
                record["customer_id"],
                record["at"],
                record["status"],
                command_id=record["command_id"],
                journey_id=record["journey_id"],
                step_id=record["step_id"],
                channel=record["channel"],
                reason=record["reason"],
            )
        if name == _TICK:
            return _tick_input(
                record["customer_id"], record["journey_id"], record["timer_id"], record["due_at"]
            )
        if name in MODELS:
            raise CodecError(f"a {MODELS[name].__name__} is no input of the engine ({topic})")
        raise CodecError(f"no wire model for {name}")


def _event_input(event: dict[str, Any]) -> Input:
    kind, event_id, customer_id, at = (
        event["type"],
        event["event_id"],
        event["customer_id"],
        event["timestamp"],
    )
    if kind == "identify":
        return Identify(event_id, customer_id, at, event["traits"])
    if kind == "track":
        if not event["name"]:
            raise CodecError(f"track event {event_id} has no name")
        return Track(event_id, customer_id, at, event["name"], event["properties"])
    if kind == "consent":
        channel, granted = event["channel"], event["granted"]
        if channel is None or granted is None:
            raise CodecError(f"consent event {event_id} lacks channel or granted")
        return Consent(event_id, customer_id, at, channel, granted)
    if not event["journey_id"]:
        raise CodecError(f"api_trigger event {event_id} names no journey")
    return ApiTrigger(event_id, customer_id, at, event["journey_id"], event["properties"])


def _tick_input(customer_id: str, journey_id: str, timer_id: str, due_at: datetime) -> Input:
    if timer_id.startswith(CATALOG_TIMER):
        _, changed, change, version = timer_id.split("/", 3)
        return CatalogChange(
            f"catalog:{timer_id}",
            customer_id,
            due_at,
            changed,
            change,  # type: ignore[arg-type]
            int(version) if version.isdigit() else None,
        )
    if timer_id.startswith(SCHEDULE_TIMER):
        return ScheduleTick(f"sched:{timer_id}", customer_id, due_at, journey_id)
    return TimerTick(f"tick:{timer_id}", customer_id, due_at, timer_id)


def catalog_tick(
    customer_id: str, journey_id: str, change: str, version: int, at: datetime
) -> Tick:
    """A tick delivering a catalog change (paused, resumed, archived) to one customer."""
    timer = f"{CATALOG_TIMER}{journey_id}/{change}/{version}"
    return Tick(
        customer_id=customer_id,
        journey_id=journey_id,
        entry_id="",
        timer_id=timer,
        due_at=at,
        generation=0,
    )


def schedule_tick(customer_id: str, journey_id: str, fire: datetime) -> Tick:
    """A tick entering one customer into a schedule-triggered journey at `fire`."""
    timer = f"{SCHEDULE_TIMER}{journey_id}/{int(fire.timestamp())}"
    return Tick(
        customer_id=customer_id,
        journey_id=journey_id,
        entry_id="",
        timer_id=timer,
        due_at=fire,
        generation=0,
    )


@dataclass(frozen=True, slots=True)
class Record:
    """One record to produce: topic (logical), key and encoded value."""

    topic: str
    key: bytes
    value: bytes


class OutputEncoder:
    """Encodes a decision's commands and transitions for their topics."""

    def __init__(
        self,
        codec: AvroCodec,
        *,
        marketing_expiry: timedelta = timedelta(hours=24),
        transactional_expiry: timedelta = timedelta(hours=72),
    ) -> None:
        self._codec = codec
        self._write_transition = codec.encoder(JourneyTransition)
        self._expiry = {"marketing": marketing_expiry, "transactional": transactional_expiry}

    def command(self, cmd: SendCommand, cause: Input) -> Record:
        """The SendCommand record, on the lane of the journey's type.

        `cause` is the input being decided: its name and properties are the template's
        `event` variables (the entry event is kept trimmed in the state).
        """
        topic = (
            names.COMMANDS_MARKETING
            if cmd.category == "marketing"
            else names.COMMANDS_TRANSACTIONAL
        )
        # The profile at decision time: dispatch reads the address of the channel from it
        # (email, phone, push_token) and renders templates with it.
        recipient: dict[str, Any] = dict(cmd.profile)
        wire = WireCommand(
            command_id=cmd.command_id,
            customer_id=cmd.customer_id,
            journey_id=cmd.journey_id,
            journey_version=cmd.journey_version,
            entry_id=cmd.entry_id,
            step_id=cmd.step_id,
            attempt=cmd.attempt,
            channel=cmd.channel,  # type: ignore[arg-type]
            template=cmd.template,
            category=cmd.category,
            consent_granted=cmd.consent_granted,
            recipient=recipient,
            entry=dict(cmd.entry_properties),
            event=_event_variables(cause),
            created_at=cmd.at,
            expires_at=cmd.at + self._expiry[cmd.category],
        )
        return Record(topic, cmd.customer_id.encode(), self._codec.encode_model(wire))

    def transition(self, tr: Transition, input_id: str, seq: int) -> Record:
        """The JourneyTransition record; its id is stable across replays of the same input."""
        ((key, value),) = self.transitions([tr], input_id, seq)
        return Record(names.TRANSITIONS, key, value)

    def transitions(
        self, transitions: Sequence[Transition], input_id: str, first: int = 0
    ) -> list[tuple[bytes, bytes]]:
        """(key, value) of the JourneyTransition records of one input's decision, numbered
        from `first`; each id is stable across replays of the same input.

        Written as the fields JourneyTransition.to_avro() gives, without building the model
        first: the worker writes one or two of these per input. The engine's clock is aware
        UTC, which the model would check. One decision's transitions are all one customer's.
        """
        out = []
        write = self._write_transition
        stem: Any = None
        for seq, tr in enumerate(transitions, first):
            if stem is None:
                stem = sha256(f"{tr.customer_id}\x1f{input_id}\x1f".encode())
                key = tr.customer_id.encode()
            digest = stem.copy()
            digest.update(str(seq).encode())
            split_path, control = _split_details(tr)
            fields = {
                "transition_id": digest.hexdigest()[:32],
                "customer_id": tr.customer_id,
                "journey_id": tr.journey_id,
                "journey_version": tr.journey_version,
                "entry_id": tr.entry_id,
                "kind": tr.kind,
                "milestone_id": tr.milestone_id,
                "step_id": tr.step_id,
                "reason": tr.reason,
                "split_path": split_path,
                "control": control,
                "at": tr.at,
                "input_id": input_id,
            }
            out.append((key, write(fields)))
        return out

    def tick(self, tick: Tick) -> Record:
        """A Tick record keyed by its customer."""
        return Record(names.TICKS, tick.customer_id.encode(), self._codec.encode_model(tick))


def _event_variables(cause: Input) -> dict[str, Any] | None:
    if isinstance(cause, Track):
        return {"name": cause.event, "properties": dict(cause.properties)}
    if isinstance(cause, ApiTrigger):
        return {"name": "api_trigger", "properties": dict(cause.payload)}
    return None


def _split_details(tr: Transition) -> tuple[int | None, bool | None]:
    # A split's control group is told by the engine's "holdout" reason; a path by its target.
    if tr.reason == HOLDOUT:
        return None, True
    return None, None


def utc_now() -> datetime:
    """The wall clock, the only clock the worker reads (decide() never does)."""
    return datetime.now(UTC)
