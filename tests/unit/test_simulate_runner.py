"""The simulator: timestamp order, outcomes by step, shared caps, schedules, catalog lines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from waymark.core.engine import InputError
from waymark.core.journeys import load_journey
from waymark.core.simulate import format_table, read_inputs, simulate


def _journey(**fields: Any) -> Any:
    doc: dict[str, Any] = {
        "id": "j-one",
        "name": "J",
        "type": "marketing",
        "trigger": {"event": "start"},
        "milestones": [
            {"id": "m", "steps": [{"id": "s", "send": {"channel": "email", "template": "t"}}]}
        ],
    }
    doc.update(fields)
    return load_journey(doc)


def _lines(*records: dict[str, Any]) -> str:
    return "\n".join(json.dumps(record) for record in records)


def _ready(customer: str = "c1", at: str = "2026-01-05T09:00:00Z") -> list[dict[str, Any]]:
    return [
        {
            "type": "identify",
            "customer_id": customer,
            "traits": {"email": "a@example.com"},
            "timestamp": at,
        },
        {
            "type": "consent",
            "customer_id": customer,
            "channel": "email",
            "granted": True,
            "timestamp": at,
        },
    ]


def test_inputs_run_in_timestamp_order_not_file_order() -> None:
    text = _lines(
        {
            "type": "track",
            "customer_id": "c1",
            "event": "start",
            "timestamp": "2026-01-05T10:00:00Z",
        },
        *_ready(),
    )
    result = simulate([_journey()], read_inputs(text))
    assert [c.step_id for c in result.commands] == ["s"]


def test_an_outcome_names_the_send_by_step() -> None:
    steps = [
        {"id": "s", "send": {"channel": "email", "template": "t"}},
        {
            "id": "w",
            "wait_for": {
                "outcome": "opened",
                "of": "s",
                "timeout": "P1D",
                "on_event": "yes",
                "on_timeout": "exit",
            },
        },
        {"id": "yes", "send": {"channel": "email", "template": "opened"}},
    ]
    text = _lines(
        *_ready(),
        {
            "type": "track",
            "customer_id": "c1",
            "event": "start",
            "timestamp": "2026-01-05T10:00:00Z",
        },
        {
            "type": "outcome",
            "customer_id": "c1",
            "step": "s",
            "status": "opened",
            "timestamp": "2026-01-05T11:00:00Z",
        },
    )
    result = simulate([_journey(milestones=[{"id": "m", "steps": steps}])], read_inputs(text))
    assert [c.template for c in result.commands] == ["t", "opened"]


def test_journeys_run_together_so_the_frequency_cap_spans_them() -> None:
    journeys = [_journey(id=f"j-{n}") for n in range(4)]
    text = _lines(
        *_ready(),
        {
            "type": "track",
            "customer_id": "c1",
            "event": "start",
            "timestamp": "2026-01-05T10:00:00Z",
        },
    )
    result = simulate(journeys, read_inputs(text))
    assert len(result.commands) == 3
    assert [t.reason for t in result.transitions if t.kind == "suppressed"] == ["frequency_cap"]


def test_a_schedule_enters_known_customers_at_each_fire() -> None:
    journey = _journey(
        trigger={
            "schedule": {"cron": "0 9 * * *", "audience": {"attr": "profile.email", "exists": True}}
        },
        reentry={"mode": "always"},
    )
    text = _lines(*_ready(at="2026-01-05T08:00:00Z"))
    result = simulate([journey], read_inputs(text), until=None)
    assert len(result.commands) == 90  # a daily fire for the 90 days after the last input
    assert result.commands[0].at.isoformat() == "2026-01-05T09:00:00+00:00"


def test_catalog_lines_pause_and_resume_a_journey() -> None:
    steps = [
        {"id": "p", "wait": {"duration": "PT1H"}},
        {"id": "s", "send": {"channel": "email", "template": "t"}},
    ]
    text = _lines(
        *_ready(),
        {
            "type": "track",
            "customer_id": "c1",
            "event": "start",
            "timestamp": "2026-01-05T10:00:00Z",
        },
        {
            "type": "journey",
            "journey_id": "j-one",
            "status": "paused",
            "timestamp": "2026-01-05T10:30:00Z",
        },
        {
            "type": "journey",
            "journey_id": "j-one",
            "status": "resumed",
            "timestamp": "2026-01-05T15:00:00Z",
        },
    )
    result = simulate([_journey(milestones=[{"id": "m", "steps": steps}])], read_inputs(text))
    assert [c.at.isoformat() for c in result.commands] == ["2026-01-05T15:00:00+00:00"]


def test_a_bad_line_names_its_number_and_field() -> None:
    text = _lines(
        *_ready(), {"type": "track", "customer_id": "c1", "timestamp": "2026-01-05T10:00:00Z"}
    )
    with pytest.raises(InputError, match="line 3: event:"):
        read_inputs(text)
    with pytest.raises(InputError, match="line 1:"):
        read_inputs("{not json")


def test_the_table_for_people_lists_every_transition() -> None:
    text = _lines(
        *_ready(),
        {
            "type": "track",
            "customer_id": "c1",
            "event": "start",
            "timestamp": "2026-01-05T10:00:00Z",
        },
    )
    result = simulate([_journey()], read_inputs(text))
    table = format_table(result)
    assert "sent email t" in table
    assert table.splitlines()[0].split() == [
        "at",
        "customer",
        "journey",
        "kind",
        "milestone",
        "step",
        "detail",
    ]
    assert f"{len(result.commands)} commands, {len(result.transitions)} transitions" in table
