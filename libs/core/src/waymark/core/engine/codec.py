"""Compact bytes for CustomerState: JSON with short keys and positional instances."""

from __future__ import annotations

import json
from typing import Any, cast

import orjson

from waymark.core.engine.state import (
    CustomerState,
    Finished,
    JourneyInstance,
    Wait,
    WaitKind,
)
from waymark.core.journeys.conditions import EventView

__all__ = ["FORMAT_VERSION", "StateDecodeError", "from_bytes", "to_bytes"]

FORMAT_VERSION = 1

_KIND_CODE: dict[str, str] = {
    "duration": "d",
    "until": "u",
    "event": "e",
    "outcome": "o",
    "quiet_hours": "q",
    "goal": "g",
}
_CODE_KIND = cast(dict[str, WaitKind], {code: kind for kind, code in _KIND_CODE.items()})
_OPTIONS = orjson.OPT_NON_STR_KEYS
# States written before the fast parser may hold NaN or Infinity, which only `json` reads.
_loads_lenient = json.JSONDecoder().decode


def _dumps(doc: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(doc, default=str, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        # A value orjson refuses (an integer beyond 64 bits, a lone surrogate): plain json.
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, default=str)
        return text.encode("utf-8", "surrogatepass")


def _loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _loads_lenient(data.decode("utf-8", "surrogatepass"))


class StateDecodeError(ValueError):
    """Stored state bytes that are not a CustomerState of a known format."""


def _wait(wait: Wait) -> list[Any]:
    row: list[Any] = [_KIND_CODE[wait.kind], wait.due_at, wait.generation]
    if wait.held:
        row.append(1)
    return row


def _instance(inst: JourneyInstance) -> list[Any]:
    wait = inst.wait
    entry = inst.entry
    return [
        inst.journey_id,
        inst.version,
        inst.entry_id,
        inst.entered_at,
        inst.milestone,
        inst.step,
        inst.generation,
        inst.sends,
        [entry.name, entry.properties] if entry is not None else 0,
        _wait(wait) if wait is not None else 0,
        inst.commands or 0,
    ]


def to_bytes(state: CustomerState) -> bytes:
    """Serialize a state; empty parts are left out so a quiet customer costs a few bytes."""
    doc: dict[str, Any] = {"v": FORMAT_VERSION, "c": state.customer_id}
    if state.profile:
        doc["p"] = state.profile
    if state.consent:
        doc["k"] = {channel: int(granted) for channel, granted in state.consent.items()}
    if state.suppressed:
        doc["x"] = state.suppressed
    if state.marketing_sends:
        doc["f"] = state.marketing_sends
    if state.instances:
        doc["i"] = [_instance(inst) for inst in state.instances.values()]
    if state.finished:
        doc["d"] = {key: [done.entered_at, done.exited_at] for key, done in state.finished.items()}
    if state.seen:
        doc["r"] = state.seen
    return _dumps(doc)


def _load_instance(row: list[Any]) -> JourneyInstance:
    journey, version, entry_id, entered, milestone, step, generation, sends, entry, wait, cmds = row
    return JourneyInstance(
        journey,
        version,
        entry_id,
        entered,
        EventView(entry[0], entry[1]) if entry else None,
        milestone,
        step,
        Wait(_CODE_KIND[wait[0]], wait[1], wait[2], len(wait) > 3) if wait else None,
        generation,
        sends,
        cmds or {},
    )


def from_bytes(data: bytes) -> CustomerState:
    """Deserialize bytes written by to_bytes()."""
    try:
        doc = _loads(data)
        if doc.get("v") != FORMAT_VERSION:
            raise StateDecodeError(f"state format {doc.get('v')!r} is not {FORMAT_VERSION}")
        consent = doc.get("k")
        instances = doc.get("i")
        finished = doc.get("d")
        return CustomerState(
            doc["c"],
            doc.get("p") or {},
            {channel: flag == 1 for channel, flag in consent.items()} if consent else {},
            doc.get("x") or {},
            doc.get("f") or [],
            {row[0]: _load_instance(row) for row in instances} if instances else {},
            {key: Finished(*pair) for key, pair in finished.items()} if finished else {},
            doc.get("r", ""),
        )
    except StateDecodeError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        raise StateDecodeError(f"stored state is not readable: {error}") from error
