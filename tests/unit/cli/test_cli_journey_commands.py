"""`waymark validate`, `simulate` and `explain` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from waymark.core.cli import app

JOURNEY = """\
id: welcome-flow
name: Welcome
type: marketing
trigger: {event: signed_up}
milestones:
  - id: main
    entry: {attr: profile.email, exists: true}
    steps:
      - id: hello
        send: {channel: email, template: hello}
      - id: wait-order
        wait_for: {event: order_completed, timeout: P1D, on_event: exit}
      - id: nudge
        send: {channel: email, template: nudge}
"""

BROKEN = """\
id: Bad Id
name: Broken
trigger: {event: x}
milestones:
  - id: main
    steps:
      - id: a
        branch:
          cases: [{when: {attr: profile.x, exists: true}, goto: nowhere}]
"""

EVENTS = "\n".join(
    json.dumps(record)
    for record in [
        {
            "type": "identify",
            "customer_id": "c1",
            "traits": {"email": "a@example.com"},
            "timestamp": "2026-01-05T10:00:00Z",
        },
        {
            "type": "consent",
            "customer_id": "c1",
            "channel": "email",
            "granted": True,
            "timestamp": "2026-01-05T10:00:00Z",
        },
        {
            "type": "track",
            "customer_id": "c1",
            "event": "signed_up",
            "timestamp": "2026-01-05T10:00:01Z",
        },
    ]
)

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "good": tmp_path / "welcome.yaml",
        "bad": tmp_path / "broken.yaml",
        "events": tmp_path / "events.jsonl",
    }
    paths["good"].write_text(JOURNEY)
    paths["bad"].write_text(BROKEN)
    paths["events"].write_text(EVENTS + "\n")
    return paths


def test_validate_accepts_a_good_journey(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["validate", str(files["good"])])
    assert result.exit_code == 0, result.output
    assert f"{files['good']}: ok" in result.output


def test_validate_lists_every_problem_with_its_path_and_exits_1(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["validate", str(files["good"]), str(files["bad"])])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith(str(files["bad"]))]
    assert problems
    assert all(line.count(": ") >= 2 for line in problems)  # file: path: sentence
    assert any("id" in line for line in problems)


def test_validate_names_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_simulate_json_prints_the_contract_document(files: dict[str, Path]) -> None:
    result = runner.invoke(
        app, ["simulate", str(files["good"]), "--events", str(files["events"]), "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [c["template"] for c in doc["commands"]] == ["hello", "nudge"]
    assert doc["transitions"][0]["kind"] == "entered"


def test_simulate_until_stops_the_clock(files: dict[str, Path]) -> None:
    args = [
        "simulate",
        str(files["good"]),
        "--events",
        str(files["events"]),
        "--json",
        "--until",
        "2026-01-05T12:00:00Z",
    ]
    doc = json.loads(runner.invoke(app, args).output)
    assert [c["template"] for c in doc["commands"]] == ["hello"]


def test_simulate_without_json_prints_a_table(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["simulate", str(files["good"]), "--events", str(files["events"])])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split()[:4] == ["at", "customer", "journey", "kind"]
    assert "sent email hello" in result.output


def test_simulate_refuses_an_invalid_journey(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["simulate", str(files["bad"]), "--events", str(files["events"])])
    assert result.exit_code == 1


def test_simulate_reports_a_bad_events_line(files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "track", "customer_id": "c1", "timestamp": "2026-01-05T10:00:00Z"}\n')
    result = runner.invoke(app, ["simulate", str(files["good"]), "--events", str(bad)])
    assert result.exit_code == 1
    assert "line 1: event:" in result.output


def test_explain_prints_the_outline(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["explain", str(files["good"])])
    assert result.exit_code == 0, result.output
    assert "welcome-flow" in result.output
    assert "hello" in result.output
    assert "wait-order" in result.output
