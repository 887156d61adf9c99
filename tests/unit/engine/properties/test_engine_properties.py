"""Properties of decide() over generated journeys and input sequences."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings

from engine.properties.strategies import Step, catalogs, input_steps, profiles, run
from waymark.core.engine import decision_to_bytes

People = dict[str, tuple[str, int, set[str], str]]

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(docs=catalogs, inputs=input_steps, people=profiles)
def test_no_marketing_command_without_the_channel_consent(
    docs: list[dict[str, Any]], inputs: list[Step], people: People
) -> None:
    for _, decision in run(docs, inputs, people).decisions:
        for command in decision.commands:
            if command.category == "marketing":
                assert decision.state.consent.get(command.channel) is True


@SETTINGS
@given(docs=catalogs, inputs=input_steps, people=profiles)
def test_no_command_to_a_suppressed_address(
    docs: list[dict[str, Any]], inputs: list[Step], people: People
) -> None:
    for _, decision in run(docs, inputs, people).decisions:
        for command in decision.commands:
            assert command.channel not in decision.state.suppressed


@SETTINGS
@given(docs=catalogs, inputs=input_steps, people=profiles)
def test_same_inputs_give_the_same_decisions_byte_for_byte(
    docs: list[dict[str, Any]], inputs: list[Step], people: People
) -> None:
    first = [decision_to_bytes(d) for _, d in run(docs, inputs, people).decisions]
    second = [decision_to_bytes(d) for _, d in run(docs, inputs, people).decisions]
    assert first == second


@SETTINGS
@given(docs=catalogs, inputs=input_steps, people=profiles)
def test_command_ids_never_collide_across_sends(
    docs: list[dict[str, Any]], inputs: list[Step], people: People
) -> None:
    commands = run(docs, inputs, people).engine.commands
    ids = Counter(command.command_id for command in commands)
    assert all(count == 1 for count in ids.values())


@SETTINGS
@given(docs=catalogs, inputs=input_steps, people=profiles)
def test_reentry_never_means_never_twice_in_a_journey(
    docs: list[dict[str, Any]], inputs: list[Step], people: People
) -> None:
    never = {doc["id"] for doc in docs if doc["reentry"]["mode"] == "never"}
    entries = Counter(
        (t.customer_id, t.journey_id)
        for t in run(docs, inputs, people).engine.transitions
        if t.kind == "entered" and t.journey_id in never
    )
    assert all(count == 1 for count in entries.values())


@SETTINGS
@given(docs=catalogs, inputs=input_steps, people=profiles)
def test_every_wait_ends(docs: list[dict[str, Any]], inputs: list[Step], people: People) -> None:
    result = run(docs, inputs, people)
    for state in result.engine.states.values():
        for inst in state.instances.values():
            assert inst.wait is None, (inst.journey_id, inst.wait)
    assert result.engine.timers == {}
    waits = Counter(
        (t.customer_id, t.journey_id, t.entry_id)
        for t in result.engine.transitions
        if t.kind == "waiting" and t.step_id is not None
    )
    ends = Counter(
        (t.customer_id, t.journey_id, t.entry_id)
        for t in result.engine.transitions
        if t.kind in ("step_completed", "exited", "milestone_entered", "suppressed")
    )
    for key in waits:
        assert ends[key] > 0
