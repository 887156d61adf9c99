"""`waymark simulate … --json` and `waymark validate` on the examples, as a separate process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from examples.story import ALL_EXAMPLES, ROOT, events_file, journey_file, run

WAYMARK = Path(sys.executable).with_name("waymark")
COMMAND_KEYS = {
    "command_id",
    "customer_id",
    "journey_id",
    "step_id",
    "channel",
    "template",
    "category",
    "at",
}
TRANSITION_KEYS = {"customer_id", "journey_id", "kind", "milestone_id", "step_id", "reason", "at"}
KINDS = {
    "entered",
    "milestone_entered",
    "step_entered",
    "step_completed",
    "step_failed",
    "waiting",
    "suppressed",
    "converted",
    "exited",
}


def _waymark(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WAYMARK), *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_simulate_json_prints_the_journeys_md_document() -> None:
    name = "discover-shop-buy"
    done = _waymark(
        "simulate", str(journey_file(name)), "--events", str(events_file(name)), "--json"
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) == {"commands", "transitions"}
    assert document["commands"]
    assert document["transitions"]
    for command in document["commands"]:
        assert set(command) == COMMAND_KEYS
        assert len(command["command_id"]) == 32
        assert command["at"].endswith("Z")
    for transition in document["transitions"]:
        assert set(transition) == TRANSITION_KEYS
        assert transition["kind"] in KINDS
        assert transition["at"].endswith("Z")
    # The process prints what the library computes, the correlation miss included.
    assert document == run(name).document
    first = {key: value for key, value in document["commands"][0].items() if key != "command_id"}
    assert first == {
        "customer_id": "ben",
        "journey_id": name,
        "step_id": "reminder",
        "channel": "email",
        "template": "cart-reminder-email",
        "category": "marketing",
        "at": "2026-03-02T10:00:00Z",
    }


def test_validate_accepts_every_example_journey() -> None:
    done = _waymark("validate", *(str(journey_file(name)) for name in ALL_EXAMPLES))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok") == len(ALL_EXAMPLES)
