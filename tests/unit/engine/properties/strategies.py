"""Hypothesis strategies: valid journeys (forward jumps only) and customer input sequences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from engine.driver import T0, Engine
from waymark.core.engine import (
    Consent,
    Decision,
    Identify,
    Input,
    Outcome,
    Track,
    decide,
    decision_to_bytes,
    from_bytes,
    to_bytes,
)

EVENTS = ("a", "b", "c", "stop", "buy")
CHANNELS = ("email", "sms", "push", "webhook")
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
CUSTOMERS = ("c0", "c1", "c2")


def _jump(draw: st.DrawFn, ids: list[str], index: int) -> str:
    later = ids[index + 1 :]
    return draw(st.sampled_from([*later, "exit"]))


@st.composite
def steps(draw: st.DrawFn, prefix: str) -> list[dict[str, Any]]:
    """1–6 steps whose jumps only go forward, so no cycle can lack a wait."""
    count = draw(st.integers(1, 6))
    ids = [f"{prefix}s{i}" for i in range(count)]
    out: list[dict[str, Any]] = []
    sends: list[str] = []
    for index, step_id in enumerate(ids):
        kinds = ["send", "wait", "wait_for", "update", "exit"]
        if index < count - 1:
            kinds += ["branch", "split"]
        if sends:
            kinds.append("wait_for_outcome")
        kind = draw(st.sampled_from(kinds))
        step: dict[str, Any] = {"id": step_id}
        if kind == "send":
            step["send"] = {"channel": draw(st.sampled_from(CHANNELS)), "template": f"t-{step_id}"}
            sends.append(step_id)
        elif kind == "wait":
            if draw(st.booleans()):
                step["wait"] = {"duration": draw(st.sampled_from(["PT30M", "PT2H", "P1D"]))}
            else:
                step["wait"] = {"until": draw(st.sampled_from(["09:00", "18:30"]))}
        elif kind == "wait_for":
            spec: dict[str, Any] = {
                "event": draw(st.sampled_from(EVENTS)),
                "timeout": draw(st.sampled_from(["PT1H", "P1D", "P3D"])),
            }
            if draw(st.booleans()):
                spec["where"] = {"attr": "event.properties.v", "gte": draw(st.integers(0, 3))}
            if draw(st.booleans()):
                spec["match"] = {"event.properties.k": "entry.properties.k"}
            if draw(st.booleans()):
                spec["on_event"] = _jump(draw, ids, index)
            if draw(st.booleans()):
                spec["on_timeout"] = _jump(draw, ids, index)
            step["wait_for"] = spec
        elif kind == "wait_for_outcome":
            step["wait_for"] = {
                "outcome": draw(st.sampled_from(["delivered", "opened", "clicked"])),
                "of": draw(st.sampled_from(sends)),
                "timeout": "P1D",
            }
        elif kind == "update":
            step["update"] = {"set": {"profile.level": draw(st.integers(0, 6))}}
        elif kind == "exit":
            step["exit"] = {}
        elif kind == "branch":
            step["branch"] = {
                "cases": [
                    {
                        "when": {"attr": "profile.level", "gte": draw(st.integers(0, 6))},
                        "goto": _jump(draw, ids, index),
                    }
                ],
                "else": _jump(draw, ids, index),
            }
        else:
            first = draw(st.integers(0, 100))
            step["split"] = {
                "paths": [
                    {"weight": first, "goto": _jump(draw, ids, index)},
                    {"weight": 100 - first, "goto": _jump(draw, ids, index)},
                ],
                "control": draw(st.sampled_from([0, 10, 50])),
            }
        out.append(step)
    return out


@st.composite
def journeys(draw: st.DrawFn, number: int) -> dict[str, Any]:
    """One journey document with generated trigger, policies and milestones."""
    trigger: dict[str, Any]
    if draw(st.integers(0, 3)) == 0:
        trigger = {"condition": {"attr": "profile.level", "gte": draw(st.integers(1, 6))}}
    else:
        trigger = {"event": draw(st.sampled_from(EVENTS[:3]))}
    reentry = draw(
        st.sampled_from(
            [{"mode": "never"}, {"mode": "always"}, {"mode": "after", "cooldown": "PT6H"}]
        )
    )
    milestones = []
    for m in range(draw(st.integers(1, 3))):
        milestone: dict[str, Any] = {"id": f"m{m}", "steps": draw(steps(f"m{m}"))}
        if m == 0:
            if draw(st.booleans()):
                milestone["entry"] = {"attr": "profile.email", "exists": True}
        else:
            milestone["entry"] = {"attr": "profile.level", "gte": draw(st.integers(1, 6))}
        milestones.append(milestone)
    doc: dict[str, Any] = {
        "id": f"journey-{number}",
        "name": f"Journey {number}",
        "type": draw(st.sampled_from(["marketing", "transactional"])),
        "trigger": trigger,
        "reentry": reentry,
        "milestones": milestones,
    }
    if draw(st.booleans()):
        doc["exit_when"] = draw(
            st.sampled_from([{"event": "stop"}, {"attr": "profile.level", "gte": 6}])
        )
    if draw(st.booleans()):
        doc["goal"] = {"event": "buy", "within": draw(st.sampled_from(["PT12H", "P2D"]))}
    if draw(st.booleans()):
        doc["quiet_hours"] = {"start": "21:00", "end": "08:00"}
    return doc


catalogs = st.integers(1, 3).flatmap(
    lambda n: st.tuples(*(journeys(i) for i in range(n))).map(list)
)


@dataclass(frozen=True)
class Step:
    """One generated input: minutes after the previous one, and what happens."""

    minutes: int
    customer: str
    kind: str
    data: tuple[Any, ...]


_traits = st.fixed_dictionaries(
    {},
    optional={
        "email": st.just("x@example.com"),
        "phone": st.just("+10000000000"),
        "push_token": st.just("tok"),
        "level": st.integers(0, 6),
        "timezone": st.sampled_from(ZONES),
    },
)

_identify = st.builds(
    Step, st.integers(0, 600), st.sampled_from(CUSTOMERS), st.just("identify"), st.tuples(_traits)
)
_consent = st.builds(
    Step,
    st.integers(0, 600),
    st.sampled_from(CUSTOMERS),
    st.just("consent"),
    st.tuples(st.sampled_from(CHANNELS), st.booleans()),
)
_track = st.builds(
    Step,
    st.integers(0, 600),
    st.sampled_from(CUSTOMERS),
    st.just("track"),
    st.tuples(st.sampled_from(EVENTS), st.integers(0, 3), st.sampled_from(["k1", "k2"])),
)
_outcome = st.builds(
    Step,
    st.integers(0, 600),
    st.sampled_from(CUSTOMERS),
    st.just("outcome"),
    st.tuples(
        st.integers(0, 50),
        st.sampled_from(["delivered", "opened", "clicked", "bounced", "unsubscribed", "failed"]),
    ),
)
_duplicate = st.builds(
    Step, st.integers(0, 60), st.sampled_from(CUSTOMERS), st.just("duplicate"), st.just(())
)

# Tracks are what enters journeys: weigh them up so most runs send, wait and exit.
input_steps = st.lists(
    st.one_of(_track, _track, _track, _identify, _consent, _outcome, _duplicate),
    min_size=3,
    max_size=40,
)

profiles = st.fixed_dictionaries(
    {
        customer: st.tuples(
            st.sampled_from(ZONES),
            st.integers(0, 3),
            st.sets(st.sampled_from(CHANNELS)),
            st.sampled_from(EVENTS[:3]),
        )
        for customer in CUSTOMERS
    }
)
"""Per customer before the run: time zone, level, consented channels, a first event."""


@dataclass
class Run:
    """Everything one generated run decided, in order, with the input of each decision."""

    engine: Engine
    decisions: list[tuple[Input, Decision]]


def run(
    docs: list[dict[str, Any]],
    inputs: list[Step],
    people: dict[str, tuple[str, int, set[str], str]] | None = None,
    horizon_days: int = 400,
) -> Run:
    """Feed the inputs in order, firing due timers between them, then run the clock far out.

    Every decision must leave the state it was given as it was, and is re-decided from the
    decoded bytes of that state: the same bytes must come out (determinism, lossless codec).
    """
    eng = Engine(*docs)
    decisions: list[tuple[Input, Decision]] = []
    original_feed = eng.feed

    def feed(inp: Input, now: Any = None) -> Decision:
        before = eng.state(inp.customer_id)
        before_bytes = to_bytes(before)
        decision = original_feed(inp, now)
        assert to_bytes(before) == before_bytes, "decide() changed the state it was given"
        again = decide(from_bytes(before_bytes), inp, eng.catalog, now or inp.timestamp)
        assert decision_to_bytes(again) == decision_to_bytes(decision)
        decisions.append((inp, decision))
        return decision

    eng.feed = feed  # type: ignore[method-assign]
    at = T0
    last: Input | None = None
    for customer, (zone, level, granted, first) in sorted((people or {}).items()):
        traits = {"email": f"{customer}@example.com", "phone": "+10000000000", "push_token": "t"}
        eng.feed(
            Identify(f"p-{customer}", customer, at, traits | {"timezone": zone, "level": level})
        )
        for channel in sorted(granted):
            eng.feed(Consent(f"p-{customer}-{channel}", customer, at, channel, True))
        eng.feed(Track(f"p-{customer}-start", customer, at, first, {"v": 1, "k": "k1"}))
    for n, step in enumerate(inputs):
        at += timedelta(minutes=step.minutes)
        eng.advance(at)
        inp: Input
        if step.kind == "identify":
            inp = Identify(f"i{n}", step.customer, at, step.data[0])
        elif step.kind == "consent":
            inp = Consent(f"i{n}", step.customer, at, step.data[0], step.data[1])
        elif step.kind == "track":
            name, value, key = step.data
            inp = Track(f"i{n}", step.customer, at, name, {"v": value, "k": key})
        elif step.kind == "outcome":
            mine = [c for c in eng.commands if c.customer_id == step.customer]
            if not mine:
                continue
            command = mine[step.data[0] % len(mine)]
            inp = Outcome(
                f"i{n}",
                step.customer,
                at,
                step.data[1],
                command.command_id,
                command.journey_id,
                command.step_id,
                command.channel,
            )
        else:
            if last is None:
                continue
            inp = last
        eng.feed(inp, max(at, inp.timestamp))
        last = inp
    eng.advance(at + timedelta(days=horizon_days))
    return Run(eng, decisions)
